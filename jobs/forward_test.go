package jobs

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestEndedStopsAtRunning: the forwarder's view is every ended attempt in
// id order up to the first one still running; the one that ends late is
// not left behind, and the position survives a reopen.
func TestEndedStopsAtRunning(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	s := openTest(t, path, Options{})
	record(t, s, realisticAttempt(0, ""), Pass)
	long := realisticAttempt(1, "")
	if err := s.Begin(ctx, long); err != nil {
		t.Fatal(err)
	}
	record(t, s, realisticAttempt(2, ""), Fail)
	got, err := s.Ended(ctx, 0, 100)
	if err != nil || len(got) != 1 {
		t.Fatalf("Ended = %d attempts, %v; want only the first (the second is running)", len(got), err)
	}
	b, err := s.BacklogAfter(ctx, 0)
	if err != nil || b.Count != 2 || !b.Blocked || !b.Oldest.Equal(got[0].Ended) {
		t.Fatalf("backlog %+v, %v; want 2 ended, blocked by the running one, oldest %v", b, err, got[0].Ended)
	}
	if err := s.SetForwarded(ctx, got[0].ID); err != nil {
		t.Fatal(err)
	}
	long.Result = Error
	if err := s.Finish(ctx, long); err != nil {
		t.Fatal(err)
	}
	pos, _ := s.Forwarded(ctx)
	rest, err := s.Ended(ctx, pos, 100)
	if err != nil || len(rest) != 2 || rest[0].ID != long.ID || rest[0].Result != Error || rest[1].Result != Fail {
		t.Fatalf("after the long one ended: %d attempts, %v", len(rest), err)
	}
	if err := s.SetForwarded(ctx, pos-1); err == nil || !strings.Contains(err.Error(), "behind") {
		t.Fatalf("going back: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openTest(t, path, Options{})
	if p, err := s2.Forwarded(ctx); err != nil || p != pos {
		t.Fatalf("position after reopen %s, %v; want %s", p, err, pos)
	}
	if rest, _ := s2.Ended(ctx, pos, 1); len(rest) != 1 || rest[0].ID != long.ID {
		t.Fatalf("max 1 after reopen: %v", rest)
	}
}

// TestEndedSeesInterrupted: an attempt a dead process left running is
// forwarded as interrupted after the next Open, in its place.
func TestEndedSeesInterrupted(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	s, err := Open(path, Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	a := realisticAttempt(0, "")
	if err := s.Begin(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Ended(ctx, 0, 10); len(got) != 0 {
		t.Fatalf("running attempt forwarded: %v", got)
	}
	s.Close() // Close is not Finish: the attempt stays running on disk
	s2 := openTest(t, path, Options{})
	got, err := s2.Ended(ctx, 0, 10)
	if err != nil || len(got) != 1 || got[0].Result != Interrupted {
		t.Fatalf("after reopen: %v, %v; want the attempt interrupted", got, err)
	}
}

// TestForwardRacingWorkers: workers begin and finish attempts while a
// forwarder walks behind them; every attempt is seen exactly once and in
// id order (an attempt taking its id below a position already passed
// would be lost).
func TestForwardRacingWorkers(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const workers, each = 8, 40
	var wg sync.WaitGroup
	var mu sync.Mutex
	var all []ID
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				a := &Attempt{Recipe: "r", Slot: string(rune('A' + w))}
				if !recordFrom(t, s, a, Pass) {
					return
				}
				mu.Lock()
				all = append(all, a.ID)
				mu.Unlock()
				if i%7 == 0 {
					time.Sleep(time.Millisecond)
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var seen []ID
	var pos ID
	for finished := false; ; {
		select {
		case <-done:
			finished = true
		default:
		}
		got, err := s.Ended(ctx, pos, 13)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range got {
			seen = append(seen, a.ID)
			pos = a.ID
		}
		if finished && len(got) == 0 {
			break
		}
	}
	slices.Sort(all)
	if !slices.IsSorted(seen) || !slices.Equal(seen, all) {
		t.Fatalf("forwarded %d attempts (sorted %v), recorded %d", len(seen), slices.IsSorted(seen), len(all))
	}
}

// TestEndedWaitsForSlowBegin: an attempt that has its id but is not yet
// journaled (Begin in progress) holds the forwarder back, so a later
// attempt that ended first does not carry the position past it.
func TestEndedWaitsForSlowBegin(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	taken, release := make(chan ID, 1), make(chan struct{})
	s.beginHook = func(id ID) {
		s.beginHook = nil // only the first Begin stops
		taken <- id
		<-release
	}
	slow := &Attempt{Recipe: "r", Slot: "A"}
	begun := make(chan error, 1)
	go func() { begun <- s.Begin(ctx, slow) }()
	slowID := <-taken
	fast := &Attempt{Recipe: "r", Slot: "B"}
	if !recordFrom(t, s, fast, Pass) {
		return
	}
	if fast.ID <= slowID {
		t.Fatalf("ids %s then %s", slowID, fast.ID)
	}
	if got, _ := s.Ended(ctx, 0, 10); len(got) != 0 {
		t.Fatalf("forwarded %s while attempt %s was still beginning", got[0].ID, slowID)
	}
	close(release)
	if err := <-begun; err != nil {
		t.Fatal(err)
	}
	slow.Result = Fail
	if err := s.Finish(ctx, slow); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Ended(ctx, 0, 10)
	if len(got) != 2 || got[0].ID != slowID || got[1].ID != fast.ID {
		t.Fatalf("after both ended: %v", got)
	}
}
