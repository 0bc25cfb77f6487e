package stm32f1_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
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
			b := open(t, tt.probe+":stm32f103c8+faults=1e-12", "stm32f103c8")
			f := b.slot.Probe.Faults()
			set := func(r float64) {
				for _, k := range tt.kinds {
					f.SetRate(k, r)
				}
			}
			ctx := context.Background()
			img := []targets.Segment{{Addr: 0x08000000, Data: image(4096, 4)}}
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
				if !strings.HasPrefix(err.Error(), "stm32f1: ") {
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

// TestStreamChoice: ST silicon gets the streamed path, a compatible the
// polled one; both say so in the step log and verify clean.
func TestStreamChoice(t *testing.T) {
	tests := []struct {
		spec, want string
	}{
		{"cmsis-dap-v2:stm32f103c8", "streaming halfwords"},
		{"stlink-v3:stm32f103c8", "streaming halfwords"},
		{"cmsis-dap-v2:stm32f103c8+clone", "waiting for BSY=0 after every halfword"},
		{"stlink-v3:stm32f103c8+clone", "waiting for BSY=0 after every halfword"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			b := open(t, tt.spec, "stm32f103c8")
			var logs []string
			ctx := targets.WithLog(context.Background(), func(_ slog.Level, msg string) { logs = append(logs, msg) })
			img := []targets.Segment{{Addr: 0x08000800, Data: image(3000, 6)}}
			if err := b.s.Program(ctx, img, targets.ProgramOptions{}, nil); err != nil {
				t.Fatal(err)
			}
			if err := b.s.Verify(ctx, img, nil); err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(logs, func(l string) bool { return strings.Contains(l, tt.want) }) {
				t.Errorf("log %q lacks %q", logs, tt.want)
			}
		})
	}
}
