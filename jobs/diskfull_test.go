package jobs

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers"
)

// fullDisk fails every journal write and bbolt commit while it is full.
type fullDisk struct{ full atomic.Bool }

func (d *fullDisk) check() error {
	if d.full.Load() {
		return &pathErr{syscall.ENOSPC}
	}
	return nil
}

// pathErr is how the os package reports it: *fs.PathError around ENOSPC.
type pathErr struct{ errno syscall.Errno }

func (e *pathErr) Error() string { return "write attempts.db: " + e.errno.Error() }
func (e *pathErr) Unwrap() error { return e.errno }

// TestFullDiskIsAStationFaultAndHealsWithoutRestart: while the disk is full
// every write fails as a station fault (never the board's fail), and once
// space returns the same open store records again, with nothing of the
// failed writes replayed at the next open.
func TestFullDiskIsAStationFaultAndHealsWithoutRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "attempts.db")
	disk := &fullDisk{}
	s := openTest(t, path, Options{ioFault: disk.check, applyEvery: 5 * time.Millisecond})
	before := begin(t, s)
	reserve(t, s, before)
	running := begin(t, s) // running when the disk fills, ends after
	disk.full.Store(true)

	lost := &Attempt{Recipe: "r"}
	writes := []struct {
		name string
		do   func() error
	}{
		{"begin", func() error { return s.Begin(ctx, lost) }},
		{"reserve", func() error { _, err := s.Reserve(ctx, "sn", 100, running.ID); return err }},
		{"checkpoint", func() error { return s.Checkpoint(ctx, running) }},
	}
	for _, w := range writes {
		err := w.do()
		if err == nil || !drivers.IsStationFault(err) || !errors.Is(err, syscall.ENOSPC) {
			t.Errorf("%s on a full disk: %v; want a station fault wrapping ENOSPC", w.name, err)
		}
	}

	disk.full.Store(false)
	var err error
	for i := 0; i < 500; i++ { // the applier heals the journal within a round or two
		a := &Attempt{Recipe: "r"}
		if err = s.Begin(ctx, a); err == nil {
			finish(t, s, a, Pass)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("after space returned, Begin still fails without a restart: %v", err)
	}
	finish(t, s, before, Pass)
	if n := reserve(t, s, running); n != 101 {
		t.Errorf("reservation after recovery %d, want 101", n)
	}
	finish(t, s, running, Fail)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := openTest(t, path, Options{})
	all, err := s2.Query(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Fatalf("%d attempts after reopening, want 3 (the Begin that failed is not one)", len(all))
	}
	for _, a := range all {
		if a.Result == Running || a.Result == Interrupted {
			t.Errorf("attempt %s is %s after a clean close", a.ID, a.Result)
		}
	}
}
