package jobs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func openTest(t testing.TB, path string, opts Options) *Store {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	s, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newStore(t testing.TB) *Store {
	t.Helper()
	return openTest(t, filepath.Join(t.TempDir(), "attempts.db"), Options{})
}

var stepNames = []string{"connect", "unlock", "mass-erase", "program", "verify", "read-id", "write-serial", "reset"}

// realisticAttempt is an 8-step attempt with 20 log lines, as a station
// records for a board that programs a 256 KiB image.
func realisticAttempt(i int, uid string) *Attempt {
	t0 := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
	a := &Attempt{
		Station: "line1-st2", Slot: fmt.Sprint(i % 48), ProbeSerial: "0669FF555052836687081234",
		Recipe: "circuitpython-f411", RecipeSHA256: sha('a'), FirmwareSHA256: sha('b'),
		UnitUID: uid, DeviceID: "0x10006431", Started: t0,
	}
	logs := 0
	at := t0
	for si, name := range stepNames {
		st := Step{Name: name, Result: Pass, Started: at, Duration: time.Duration(50+si*130) * time.Millisecond, Tries: 1}
		for j := 0; j < 3 && logs < 20; j++ {
			logs++
			st.Log = append(st.Log, LogLine{Time: at.Add(time.Duration(j) * time.Millisecond), Level: slog.LevelInfo,
				Msg: fmt.Sprintf("%s: sector %d done at 0x%08x", name, j, 0x08000000+j*0x4000)})
		}
		if name == "program" || name == "verify" {
			st.Bytes = 262144
		}
		at = at.Add(st.Duration)
		a.Steps = append(a.Steps, st)
	}
	return a
}

func sha(c byte) string {
	b := make([]byte, 64)
	for i := range b {
		b[i] = c
	}
	return string(b)
}

// record begins and finishes a with result r.
func record(t testing.TB, s *Store, a *Attempt, r Result) {
	t.Helper()
	ctx := context.Background()
	steps := a.Steps
	a.Steps = nil
	if err := s.Begin(ctx, a); err != nil {
		t.Fatalf("Begin: %v", err)
	}
	a.Steps = steps
	a.Result = r
	if r != Pass {
		a.FailedStep = "verify"
	}
	a.Ended = a.Started.Add(3 * time.Second)
	if err := s.Finish(ctx, a); err != nil {
		t.Fatalf("Finish: %v", err)
	}
}

// recordFrom records a (Begin, then Finish with result r) from any
// goroutine: it reports a failure with t.Error and returns false.
func recordFrom(t testing.TB, s *Store, a *Attempt, r Result) bool {
	ctx := context.Background()
	if err := s.Begin(ctx, a); err != nil {
		t.Error(err)
		return false
	}
	a.Result = r
	if err := s.Finish(ctx, a); err != nil {
		t.Error(err)
		return false
	}
	return true
}
