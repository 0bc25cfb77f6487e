package sim

import (
	"runtime"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/cortexm"
	"github.com/flashstation/flashstation/drivers/sim/chip/cortexm/unicorn"
)

// TestFixturesDoNotLeakEngines: every executing core holds a Unicorn
// engine (about 1 GiB of address space); fixtures closed, boards reseated
// and fixtures merely dropped all give theirs back.
func TestFixturesDoNotLeakEngines(t *testing.T) {
	const spec = "2*cmsis-dap-v2:stm32f103c8,stlink-v2:stm32f411ce"
	base := settledLive()
	for i := 0; i < 20; i++ {
		f, err := New(spec, Options{Seed: uint64(i)})
		if err != nil {
			t.Fatal(err)
		}
		old := f.Slots[0].Board().(executor)
		if !old.Core().Executes() {
			t.Fatal("a new board's core does not execute")
		}
		if err := f.Slots[0].Reseat(false); err != nil {
			t.Fatal(err)
		}
		if err := f.Slots[1].Reseat(true); err != nil {
			t.Fatal(err)
		}
		if old.Core().Executes() {
			t.Fatal("the board taken out by Reseat kept its engine")
		}
		// Cleanups of earlier tests' fixtures may still lower the count,
		// never raise it.
		if got := unicorn.Live(); got > base+2 {
			t.Fatalf("fixture %d: %d engines open after reseating, want 2", i, got-base)
		}
		f.Close()
		if got := unicorn.Live(); got > base {
			t.Fatalf("fixture %d: %d engines open after Close", i, got-base)
		}
	}
	for i := 0; i < 30; i++ {
		if _, err := New(spec, Options{Seed: uint64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := settledLive(); got > base {
		t.Fatalf("%d engines of dropped fixtures still open", got-base)
	}
}

type executor interface{ Core() *cortexm.Core }

// settledLive collects garbage until the number of open engines stops
// falling (cleanups run on their own goroutine after a collection), so
// fixtures earlier tests dropped do not count; bounded.
func settledLive() int {
	n, same := unicorn.Live(), 0
	for i := 0; i < 400 && same < 5; i++ {
		runtime.GC()
		time.Sleep(2 * time.Millisecond)
		if m := unicorn.Live(); m == n {
			same++
		} else {
			n, same = m, 0
		}
	}
	return n
}
