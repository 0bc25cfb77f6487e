package all_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/sim"
	"github.com/flashstation/flashstation/drivers/simtest"
	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/facts"
	"github.com/flashstation/flashstation/targets/internal/simrig"
	"github.com/flashstation/flashstation/targets/native"
	_ "github.com/flashstation/flashstation/targets/native/all"
)

// descheduled is a Link whose host loses the CPU now and then, as a
// station host running 40 workers on two cores does: every every-th read
// starts only after pause of wall time (at most max times, to bound the
// test), and so does any read whose
// context would end within a second — the worst moment to lose the CPU.
// The simulator's instant mode models the probe's time, so nothing the
// chip does may depend on it.
type descheduled struct {
	link.Link
	every  int64
	max    int64
	pause  time.Duration
	reads  atomic.Int64
	paused atomic.Int64
}

// ModeledTime passes the simulator's clock through, as link.Recorder does.
func (d *descheduled) ModeledTime() time.Duration { return d.Link.(link.Clocked).ModeledTime() }

func (d *descheduled) Read(ctx context.Context, p []byte) (int, error) {
	wait := time.Duration(0)
	if n := d.reads.Add(1); n%d.every == 0 && n/d.every <= d.max {
		wait = d.pause
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < time.Second {
		wait = max(wait, time.Until(dl)+10*time.Millisecond)
	}
	if wait > 0 {
		d.paused.Add(1)
		time.Sleep(wait)
	}
	return d.Link.Read(ctx, p)
}

// Instant mode must not depend on wall time (issue 12 item 9: with 40
// slots, 8 of 800 attempts errored "probe disconnected"): a poll's 100 ms
// wall-clock deadline expired while its USB transfer waited for the CPU,
// the transfer was cancelled part-way and the probe left out of step.
// Here a host that pauses 120 ms before some reads must still identify,
// erase, program and verify every family through every probe kind.
func TestInstantModeIgnoresWallTime(t *testing.T) {
	img := simrig.Image(2048, 3)
	for _, tc := range []struct {
		spec, variant string
		base          uint32
	}{
		{"cmsis-dap-v2:stm32f103c8", "STM32F103C8", 0x08000000},
		{"stlink-v2:stm32f103c8", "STM32F103C8", 0x08000000},
		{"cmsis-dap-v1:stm32f411ce", "STM32F411CE", 0x08000000},
		{"stlink-v3:stm32f411ce", "STM32F411CE", 0x08000000},
		{"cmsis-dap-v2:nrf52840", "nRF52840", 0},
		{"cmsis-dap-v2:rp2040", "RP2040", 0x10000000},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			fx, err := sim.New(tc.spec, sim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			d := &descheduled{every: 25, max: 10, pause: 120 * time.Millisecond}
			r, err := simtest.OpenSlot(t.Context(), fx, simtest.Options{Wrap: func(l link.Link) link.Link { d.Link = l; return d }})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			v, err := facts.Lookup(tc.variant)
			if err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()
			s, err := native.OpenWith(ctx, r.Probe, v, native.Options{ClockHz: simrig.SWDHz})
			if err != nil {
				t.Fatalf("open session: %v", err)
			}
			defer s.Close()
			seg := []targets.Segment{{Addr: tc.base, Data: img}}
			if _, err := s.Identify(ctx); err != nil {
				t.Fatalf("identify: %v", err)
			}
			if err := s.Program(ctx, seg, targets.ProgramOptions{}, nil); err != nil {
				t.Fatalf("program (%d reads, %d paused): %v", d.reads.Load(), d.paused.Load(), err)
			}
			if err := s.Verify(ctx, seg, nil); err != nil {
				t.Fatalf("verify: %v", err)
			}
			if d.paused.Load() < 3 {
				t.Fatalf("only %d of %d reads paused: the test did not exercise a busy host", d.paused.Load(), d.reads.Load())
			}
			t.Logf("%d reads, %d paused", d.reads.Load(), d.paused.Load())
		})
	}
}
