//go:build cgo && !nounicorn

package unicorn

import (
	"runtime"
	"testing"
	"time"
)

// WaitLive collects garbage until at most n engines are open, or fails
// the test after a bounded number of rounds: cleanups run on their own
// goroutine after a collection.
func waitLive(t *testing.T, n int) {
	t.Helper()
	for i := 0; i < 200 && Live() > n; i++ {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
	if Live() > n {
		t.Fatalf("%d engines still open, want at most %d", Live(), n)
	}
}

// TestDroppedEnginesAreFreed: an engine its owner drops without Close is
// freed by the collector, even though its MMIO buses (here one that
// points back at the owner, as a chip's does) are reached from C.
func TestDroppedEnginesAreFreed(t *testing.T) {
	base := Live()
	type owner struct {
		e   *Engine
		ram []byte
	}
	for i := 0; i < 40; i++ {
		o := &owner{ram: make([]byte, 8192)}
		e, err := New(CortexM3)
		if err != nil {
			t.Fatal(err)
		}
		o.e = e
		copy(o.ram, prog)
		if err := e.MapMemory(0x20000000, o.ram, nil); err != nil {
			t.Fatal(err)
		}
		if err := e.MapMMIO(0x40000000, 0x1000, &ownerBus{o: o}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Run(0x20000000, 100, 0); err != nil {
			t.Fatal(err)
		}
	}
	if Live() < base+40 {
		t.Fatalf("Live() = %d after opening 40", Live())
	}
	waitLive(t, base)
}

type ownerBus struct {
	fakeBus
	o any
}

func TestCloseTwice(t *testing.T) {
	base := Live()
	e, err := New(CortexM0)
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	e.Close()
	if Live() != base {
		t.Fatalf("Live() = %d after Close, want %d", Live(), base)
	}
}
