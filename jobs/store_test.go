package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestOpenLocking(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	w := openTest(t, path, Options{})
	_ = w
	for _, ro := range []bool{false, true} {
		start := time.Now()
		_, err := Open(path, Options{Timeout: 100 * time.Millisecond, ReadOnly: ro, Logger: quiet})
		if !errors.Is(err, ErrInUse) {
			t.Fatalf("second Open (read-only %v) while a writer holds %s: err = %v, want ErrInUse", ro, path, err)
		}
		if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "serve") {
			t.Errorf("error %q should name the file and hint at serve", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Open waited %v with a 100ms timeout", d)
		}
	}
	w.Close()
	// Readers share the file with each other.
	r1 := openTest(t, path, Options{ReadOnly: true, Timeout: 100 * time.Millisecond})
	r2 := openTest(t, path, Options{ReadOnly: true, Timeout: 100 * time.Millisecond})
	if err := r1.Begin(context.Background(), &Attempt{Recipe: "x"}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Begin on read-only store: err = %v, want ErrReadOnly", err)
	}
	if _, err := r2.Query(context.Background(), Filter{}); err != nil {
		t.Errorf("Query on second reader: %v", err)
	}
	if _, err := Open(path, Options{Timeout: 100 * time.Millisecond, Logger: quiet}); !errors.Is(err, ErrInUse) {
		t.Errorf("writer Open while readers hold the file: err = %v, want ErrInUse", err)
	}
}

func TestOpenReadOnlyMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.db")
	_, err := Open(path, Options{ReadOnly: true})
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want ErrNotFound naming %s", err, path)
	}
}

func TestBeginCheckpointFinish(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a := realisticAttempt(1, "")
	steps := a.Steps
	a.Steps = nil
	if err := s.Begin(ctx, a); err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || a.Result != Running {
		t.Fatalf("after Begin: id %v result %q", a.ID, a.Result)
	}
	if err := s.Begin(ctx, a); err == nil {
		t.Error("second Begin of the same attempt succeeded")
	}
	a.Steps = steps[:6]
	a.UnitUID = "0xAABBCC"
	if err := s.Checkpoint(ctx, a); err != nil {
		t.Fatal(err)
	}
	if a.UnitUID != "aabbcc" {
		t.Errorf("UID stored as %q, want normalised aabbcc", a.UnitUID)
	}
	a.UnitUID = "ddeeff" // read-id corrected: the index must follow
	a.Steps = steps
	a.Result = Pass
	if err := s.Finish(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := mustJSON(t, got), mustJSON(t, a); g != w {
		t.Errorf("Get = %s\nwant %s", g, w)
	}
	if _, err := s.ByUnit(ctx, "aabbcc"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ByUnit(old uid) err = %v, want ErrNotFound", err)
	}
	units, err := s.ByUnit(ctx, "0xDDEEFF")
	if err != nil || len(units) != 1 || units[0].ID != a.ID {
		t.Fatalf("ByUnit = %v, %v", units, err)
	}
	if err := s.Finish(ctx, a); err == nil || !strings.Contains(err.Error(), "already ended") {
		t.Errorf("second Finish err = %v, want already ended", err)
	}
	if err := s.Checkpoint(ctx, &Attempt{ID: a.ID, Recipe: "r", Result: Running}); err == nil {
		t.Error("Checkpoint of an ended attempt succeeded")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWriteRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	long := strings.Repeat("s", maxNameLen+1)
	tests := []struct {
		name string
		a    Attempt
		want string
	}{
		{"no recipe", Attempt{Slot: "1"}, "field recipe is empty"},
		{"bad recipe sha", Attempt{Recipe: "r", RecipeSHA256: "abc"}, "recipe_sha256"},
		{"bad firmware sha", Attempt{Recipe: "r", FirmwareSHA256: sha('g')}, "firmware_sha256"},
		{"bad uid", Attempt{Recipe: "r", UnitUID: "12zz"}, `"z" at position 3`},
		{"bad image sha", Attempt{Recipe: "r", Images: []Image{{"boot", sha('a')}, {"app", "12"}}}, "images[1].sha256"},
		{"unnamed image", Attempt{Recipe: "r", Images: []Image{{"", sha('a')}}}, "images[0].name"},
		{"too many images", Attempt{Recipe: "r", Images: make([]Image, maxImages+1)}, "images has 17 entries"},
		{"long slot", Attempt{Recipe: "r", Slot: long}, "field slot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Begin(ctx, &tt.a)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "jobs: ") {
				t.Errorf("Begin err = %v, want one naming %q", err, tt.want)
			}
		})
	}
	a := &Attempt{Recipe: "r"}
	if err := s.Begin(ctx, a); err != nil {
		t.Fatal(err)
	}
	for _, r := range []Result{Running, Interrupted, "", "bogus"} {
		a.Result = r
		if err := s.Finish(ctx, a); err == nil {
			t.Errorf("Finish with result %q succeeded", r)
		}
	}
	a.Result = Pass
	if err := s.Checkpoint(ctx, a); err == nil {
		t.Error("Checkpoint with result pass succeeded")
	}
}

func TestIDsMonotonic(t *testing.T) {
	var g idGen
	t0 := time.Unix(100, 0)
	a, b := g.next(t0), g.next(t0)
	c := g.next(t0.Add(-time.Hour)) // clock stepped back
	if !(a < b && b < c) {
		t.Fatalf("ids %v %v %v not increasing", a, b, c)
	}
	if a.Time() != t0 {
		t.Errorf("id time %v, want %v", a.Time(), t0)
	}
}

func TestIDsContinueAfterReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	s := openTest(t, path, Options{})
	future := &Attempt{Recipe: "r", Started: time.Now().Add(time.Hour)}
	if err := s.Begin(context.Background(), future); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openTest(t, path, Options{})
	a := &Attempt{Recipe: "r"}
	if err := s.Begin(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if a.ID <= future.ID {
		t.Errorf("id after reopen %v not above %v", a.ID, future.ID)
	}
}

func TestStepLogIsBounded(t *testing.T) {
	var st Step
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range MaxStepLogLines + 500 {
		level := slog.LevelInfo
		if i == MaxStepLogLines+10 {
			level = slog.LevelError
		}
		st.AddLog(LogLine{Time: t0.Add(time.Duration(i) * time.Second), Level: level, Msg: fmt.Sprint("poll ", i)})
	}
	if len(st.Log) != MaxStepLogLines {
		t.Fatalf("%d lines kept, want %d", len(st.Log), MaxStepLogLines)
	}
	if st.Log[MaxStepLogLines-2].Msg != fmt.Sprint("poll ", MaxStepLogLines-2) {
		t.Errorf("last kept line %q", st.Log[MaxStepLogLines-2].Msg)
	}
	last := st.Log[MaxStepLogLines-1]
	if !strings.HasPrefix(last.Msg, "501 more log lines not recorded") || last.Level != slog.LevelError ||
		!last.Time.Equal(t0.Add(time.Duration(MaxStepLogLines+499)*time.Second)) {
		t.Errorf("summary line %+v", last)
	}
	long := "a" + strings.Repeat("é", MaxLogMsgBytes) // the cut at MaxLogMsgBytes falls inside a rune
	var one Step
	one.AddLog(LogLine{Msg: long})
	if m := one.Log[0].Msg; len(m) > MaxLogMsgBytes+40 || !utf8.ValidString(m) || !strings.Contains(m, "bytes cut)") {
		t.Errorf("long line kept as %d bytes, valid UTF-8 %v", len(m), utf8.ValidString(m))
	}
}
