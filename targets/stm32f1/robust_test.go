package stm32f1_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/access"
	"github.com/flashstation/flashstation/targets/internal/simrig"
)

// TestCancelMidProgram cancels after the first progress event past 25%:
// the FPEC must be locked afterwards and a second attempt must succeed.
func TestCancelMidProgram(t *testing.T) {
	for _, probe := range []string{"cmsis-dap-v2", "stlink-v3"} {
		t.Run(probe, func(t *testing.T) {
			b := simrig.Open(t, probe+":stm32f103c8", "stm32f103c8")
			img := []targets.Segment{{Addr: 0x08000000, Data: simrig.Image(16384, 3)}}
			ctx, cancel := context.WithCancel(context.Background())
			err := b.S.Program(ctx, img, targets.ProgramOptions{}, func(p targets.Progress) {
				if p.Phase == targets.PhaseProgram && p.Done > p.Total/4 {
					cancel()
				}
			})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("program after cancel: %v, want context.Canceled", err)
			}
			tg, err := access.Connect(context.Background(), b.P, access.ConnectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			cr, err := tg.Read32(context.Background(), 0x40022010)
			if err != nil || cr&(1<<7) == 0 {
				t.Fatalf("FLASH_CR 0x%08X (%v): LOCK not set after cancel", cr, err)
			}
			if err := b.S.Program(context.Background(), img, targets.ProgramOptions{}, nil); err != nil {
				t.Fatal(err)
			}
			if err := b.S.Verify(context.Background(), img, nil); err != nil {
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
	img := []targets.Segment{{Addr: 0x08000000, Data: simrig.Image(4096, 4)}}
	simrig.ProgramUnderFaults(t, "stm32f103c8", "stm32f103c8", "stm32f1", img)
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
		{"cmsis-dap-v2:stm32f103c8+gd32", "waiting for BSY=0 after every halfword"},
		// The APM32 drops a halfword written while BSY: only waiting works.
		{"cmsis-dap-v2:stm32f103c8+apm32", "waiting for BSY=0 after every halfword"},
		{"stlink-v3:stm32f103c8+apm32", "waiting for BSY=0 after every halfword"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			b := simrig.Open(t, tt.spec, "stm32f103c8")
			var logs []string
			ctx := targets.WithLog(context.Background(), func(_ slog.Level, msg string) { logs = append(logs, msg) })
			img := []targets.Segment{{Addr: 0x08000800, Data: simrig.Image(3000, 6)}}
			if err := b.S.Program(ctx, img, targets.ProgramOptions{}, nil); err != nil {
				t.Fatal(err)
			}
			if err := b.S.Verify(ctx, img, nil); err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(logs, func(l string) bool { return strings.Contains(l, tt.want) }) {
				t.Errorf("log %q lacks %q", logs, tt.want)
			}
		})
	}
}
