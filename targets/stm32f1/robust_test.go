package stm32f1_test

import (
	"context"
	"errors"
	"testing"

	"github.com/flashstation/flashstation/drivers/sim/fault"
	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/access"
)

// TestCancelMidProgram cancels after the first progress event past 25%:
// the FPEC must be locked afterwards and a second attempt must succeed.
func TestCancelMidProgram(t *testing.T) {
	for _, probe := range []string{"cmsis-dap-v2", "stlink-v3"} {
		t.Run(probe, func(t *testing.T) {
			b := open(t, probe+":stm32f103c8", "stm32f103c8")
			img := []targets.Segment{{Addr: 0x08000000, Data: image(16384, 3)}}
			ctx, cancel := context.WithCancel(context.Background())
			err := b.s.Program(ctx, img, targets.ProgramOptions{}, func(p targets.Progress) {
				if p.Phase == targets.PhaseProgram && p.Done > p.Total/4 {
					cancel()
				}
			})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("program after cancel: %v, want context.Canceled", err)
			}
			tg, err := access.Connect(context.Background(), b.p, access.ConnectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			cr, err := tg.Read32(context.Background(), 0x40022010)
			if err != nil || cr&(1<<7) == 0 {
				t.Fatalf("FLASH_CR 0x%08X (%v): LOCK not set after cancel", cr, err)
			}
			if err := b.s.Program(context.Background(), img, targets.ProgramOptions{}, nil); err != nil {
				t.Fatal(err)
			}
			if err := b.s.Verify(context.Background(), img, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestFaults programs through injected faults. A WAIT storm on the wire
// alone must be ridden out; with link faults too an attempt may fail, but
// one that reports success must have written the right data (checked
// with the faults turned off).
func TestFaults(t *testing.T) {
	tests := []struct {
		name      string
		probe     string
		kinds     []fault.Kind
		mustWrite bool
	}{
		{"wait storm dap-v2", "cmsis-dap-v2", []fault.Kind{fault.WaitStorm}, false},
		{"wait storm stlink-v2", "stlink-v2", []fault.Kind{fault.WaitStorm}, false},
		{"all dap-v2", "cmsis-dap-v2", []fault.Kind{fault.WaitStorm, fault.LinkDrop, fault.LinkCorrupt, fault.LinkTimeout}, false},
		{"all stlink-v3", "stlink-v3", []fault.Kind{fault.WaitStorm, fault.LinkDrop, fault.LinkCorrupt, fault.LinkTimeout}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := open(t, tt.probe+":stm32f103c8+faults=1e-12", "stm32f103c8")
			f := b.slot.Probe.Faults()
			set := func(r float64) {
				for _, k := range tt.kinds {
					f.SetRate(k, r)
				}
			}
			ctx := context.Background()
			img := []targets.Segment{{Addr: 0x08000000, Data: image(8192, 4)}}
			set(0.05)
			var ok bool
			for range 4 {
				err := b.s.Program(ctx, img, targets.ProgramOptions{}, nil)
				if ok = err == nil; ok {
					break
				}
				t.Logf("attempt failed: %v", err)
			}
			set(0)
			if f.Fired(fault.WaitStorm) == 0 {
				t.Fatal("no WAIT storm was injected")
			}
			if !ok {
				if tt.mustWrite {
					t.Fatal("programming failed under a WAIT storm alone")
				}
				return
			}
			if err := b.s.Verify(ctx, img, nil); err != nil {
				t.Fatalf("program reported success but: %v", err)
			}
		})
	}
}
