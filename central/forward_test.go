package central

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/flashstation/flashstation/jobs"
)

func openStore(t testing.TB) *jobs.Store {
	t.Helper()
	s, err := jobs.Open(filepath.Join(t.TempDir(), "attempts.db"), jobs.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// recordN records n attempts of three steps with log lines, results
// cycling pass / fail / error, started a second apart from start.
func recordN(t testing.TB, s *jobs.Store, n int, start time.Time) []*jobs.Attempt {
	t.Helper()
	ctx := context.Background()
	var out []*jobs.Attempt
	for i := range n {
		at := start.Add(time.Duration(i) * time.Second)
		a := &jobs.Attempt{Slot: fmt.Sprintf("A%d", i%4+1), ProbeSerial: "0669FF555052836687081234", Recipe: "f411-cp",
			UnitUID: fmt.Sprintf("%024x", 0x1f2e0000+i), Started: at}
		if err := s.Begin(ctx, a); err != nil {
			t.Fatal(err)
		}
		for j, name := range []string{"connect", "program", "verify"} {
			st := jobs.Step{Name: name, Result: jobs.Pass, Started: at.Add(time.Duration(j) * 100 * time.Millisecond), Duration: 90 * time.Millisecond, Tries: 1, Bytes: int64(j) * 4096}
			st.AddLog(jobs.LogLine{Time: st.Started, Level: slog.LevelInfo, Msg: name + " ok"})
			a.Steps = append(a.Steps, st)
		}
		a.Result = []jobs.Result{jobs.Pass, jobs.Fail, jobs.Error}[i%3]
		if a.Result == jobs.Fail {
			a.FailedStep = "verify"
			a.Steps[2].Result, a.Steps[2].Error = jobs.Fail, "mismatch at 0x08000100"
			// A NUL that a probe echoed into a log line: PostgreSQL text
			// cannot hold it.
			a.Steps[2].AddLog(jobs.LogLine{Time: at, Level: slog.LevelError, Msg: "read back \x00\x01"})
		}
		a.Ended = at.Add(500 * time.Millisecond)
		if err := s.Finish(ctx, a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// drain steps the forwarder until a round sends nothing.
func drain(t testing.TB, f *Forwarder) int {
	t.Helper()
	total := 0
	for {
		n, err := f.Step(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return total
		}
		total += n
	}
}

func count(t testing.TB, c *Client, q string, args ...any) int {
	t.Helper()
	pool, err := c.Pool(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(testCtx(t), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// flakySource fails SetForwarded once: the station died after the batch
// committed centrally and before it noted so.
type flakySource struct {
	*jobs.Store
	fail int
}

func (f *flakySource) SetForwarded(ctx context.Context, id jobs.ID) error {
	if f.fail > 0 {
		f.fail--
		return errors.New("disk gone")
	}
	return f.Store.SetForwarded(ctx, id)
}

// TestForwardBatchesIdempotent: every attempt arrives once, with steps and
// log lines, in batches, also when a batch is delivered twice.
func TestForwardBatchesIdempotent(t *testing.T) {
	cfg := testConfig(t, "line1-st1")
	cfg.BatchSize = 7
	c := newClient(t, cfg)
	store := openStore(t)
	recorded := recordN(t, store, 30, t0)
	src := &flakySource{Store: store, fail: 1}
	reg := prometheus.NewRegistry()
	f, err := NewForwarder(c, src, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Step(testCtx(t)); err == nil || !strings.Contains(err.Error(), "disk gone") {
		t.Fatalf("first step: %v", err)
	}
	if n := drain(t, f); n != 30 {
		t.Fatalf("forwarded %d, want 30 (the first batch again, then the rest)", n)
	}
	if n := count(t, c, "SELECT count(*) FROM attempts WHERE station = 'line1-st1'"); n != 30 {
		t.Fatalf("%d attempts centrally, want 30", n)
	}
	if n := count(t, c, "SELECT count(*) FROM steps"); n != 90 {
		t.Fatalf("%d steps, want 90", n)
	}
	if n := count(t, c, "SELECT count(*) FROM attempts WHERE result = 'fail' AND failed_step = 'verify'"); n != 10 {
		t.Fatalf("%d failed at verify, want 10", n)
	}
	last := recorded[29]
	if n := count(t, c, "SELECT count(*) FROM stations WHERE name = 'line1-st1' AND forwarded_to = $1", int64(last.ID)); n != 1 {
		t.Fatal("stations.forwarded_to is not the last attempt")
	}
	pool, _ := c.Pool(testCtx(t))
	var msg, uid string
	var ended time.Time
	err = pool.QueryRow(testCtx(t), `SELECT s.log->1->>'msg', a.unit_uid, a.ended FROM steps s JOIN attempts a ON a.station = s.station AND a.id = s.attempt_id
		WHERE a.id = $1 AND s.idx = 2`, int64(recorded[1].ID)).Scan(&msg, &uid, &ended)
	if err != nil || msg != "read back \uFFFD\x01" || uid != recorded[1].UnitUID || !ended.Equal(recorded[1].Ended) {
		t.Fatalf("log line %q, uid %q, ended %v, %v", msg, uid, ended, err)
	}
	// The first batch went twice but was noted once.
	if got := testutil.ToFloat64(f.m.forwarded); got != 30 {
		t.Fatalf("forwarded_total %v, want 30", got)
	}
	f.refreshBacklog(testCtx(t))
	if st := f.Status(); st.Backlog != 0 || !st.Connected || st.LastError != "" {
		t.Fatalf("status %+v", st)
	}
}

// TestForwardNameClash: a second station configured with the first one's
// name is told so instead of its attempts vanishing into the first's.
func TestForwardNameClash(t *testing.T) {
	cfg := testConfig(t, "st")
	a, b := openStore(t), openStore(t)
	recordN(t, a, 3, t0)
	recordN(t, b, 3, t0.Add(time.Second)) // ids 2 and 3 collide with a's
	fa, _ := NewForwarder(newClient(t, cfg), a, nil, nil)
	drain(t, fa)
	fb, _ := NewForwarder(newClient(t, cfg), b, nil, nil)
	_, err := fb.Step(testCtx(t))
	if err == nil || !strings.Contains(err.Error(), `does another station forward under the name "st"?`) {
		t.Fatalf("clash: %v", err)
	}
}

// TestForwardServerDown: with the server killed the station keeps
// recording; the backlog shows it; after the restart the forwarder, which
// backed off, catches up without a duplicate.
func TestForwardServerDown(t *testing.T) {
	pg := needPG(t)
	cfg := testConfig(t, "st")
	c := newClient(t, cfg)
	store := openStore(t)
	reg := prometheus.NewRegistry()
	f, _ := NewForwarder(c, store, reg, slog.New(slog.DiscardHandler))
	f.Poll, f.MaxBackoff = 20*time.Millisecond, 200*time.Millisecond
	recordN(t, store, 5, t0)
	drain(t, f)

	if err := pg.Kill(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			pg.Restart(context.Background())
		}
	})
	recordN(t, store, 12, t0.Add(time.Hour))
	f.now = func() time.Time { return t0.Add(2 * time.Hour) }
	if _, err := f.Step(testCtx(t)); err == nil || !strings.Contains(err.Error(), "PostgreSQL at "+pg.Addr()) {
		t.Fatalf("server down: %v", err)
	}
	f.refreshBacklog(testCtx(t))
	st := f.Status()
	if st.Connected || st.Backlog != 12 || st.OldestAgeSeconds < 3599 || st.OldestAgeSeconds > 3601 {
		t.Fatalf("status while down %+v; want 12 waiting, the oldest an hour old", st)
	}
	if got := testutil.ToFloat64(f.m.backlog); got != 12 {
		t.Fatalf("backlog gauge %v", got)
	}

	ctx, cancel := context.WithCancel(testCtx(t))
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	time.Sleep(300 * time.Millisecond) // a few failing rounds
	if err := pg.Restart(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	restarted = true
	deadline := time.Now().Add(20 * time.Second)
	for f.Status().Backlog != 0 || !f.Status().Connected {
		if time.Now().After(deadline) {
			t.Fatalf("not caught up 20 s after the restart: %+v", f.Status())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	if n := count(t, c, "SELECT count(*) FROM attempts"); n != 17 {
		t.Fatalf("%d attempts centrally, want 17", n)
	}
	if got := testutil.ToFloat64(f.m.errors); got < 1 {
		t.Fatalf("errors_total %v", got)
	}
}
