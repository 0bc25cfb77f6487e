package stm32f4_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/drivers/sim/fault"
	"github.com/flashstation/flashstation/targets"
)

// TestFaults programs through injected faults at the rate of the spec
// option faults=0.05. WAIT storms alone must be ridden out (no write is
// sent twice, reads are retried). With link faults too an attempt may
// fail, but only with an error naming the family, and an attempt that
// reports success must verify clean with the faults turned off.
func TestFaults(t *testing.T) {
	storm := []fault.Kind{fault.WaitStorm}
	all := []fault.Kind{fault.WaitStorm, fault.LinkDrop, fault.LinkCorrupt, fault.LinkTimeout}
	tests := []struct {
		probe     string
		kinds     []fault.Kind
		mustWrite bool
	}{
		{"cmsis-dap-v2", storm, true},
		{"stlink-v2", storm, true},
		{"stlink-v3", storm, true},
		{"cmsis-dap-v2", all, false},
		{"stlink-v2", all, false},
		{"stlink-v3", all, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d-kinds", tt.probe, len(tt.kinds)), func(t *testing.T) {
			b := open(t, tt.probe+":stm32f411ce+faults=1e-12", "stm32f411ce")
			f := b.slot.Probe.Faults()
			set := func(r float64) {
				for _, k := range tt.kinds {
					f.SetRate(k, r)
				}
			}
			ctx := context.Background()
			img := []targets.Segment{{Addr: 0x08000000, Data: image(8192, 4)}}
			set(0.05)
			err := b.s.Program(ctx, img, targets.ProgramOptions{}, nil)
			set(0)
			if tt.mustWrite && f.Fired(fault.WaitStorm) == 0 {
				t.Fatal("no WAIT storm was injected")
			}
			if err != nil {
				if tt.mustWrite {
					t.Fatalf("programming failed under WAIT storms alone: %v", err)
				}
				if !strings.HasPrefix(err.Error(), "stm32f4: ") {
					t.Errorf("error does not name the family: %v", err)
				}
				t.Logf("failed under faults (allowed): %v", err)
				return
			}
			if err := b.s.Verify(ctx, img, nil); err != nil {
				t.Fatalf("program reported success but: %v", err)
			}
		})
	}
}
