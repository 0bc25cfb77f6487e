package simtest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/sim"
)

// failKinds are the probe kinds the failure paths run through.
var failKinds = []string{"cmsis-dap-v1", "cmsis-dap-v2", "stlink-v2", "stlink-v3"}

// afterWrites is a Link that runs hook just before its nth write reaches
// the simulator: a fault in the middle of a transfer. n 0 never fires.
type afterWrites struct {
	link.Link
	n    int
	hook func()
}

func (a *afterWrites) Write(ctx context.Context, p []byte) (int, error) {
	if a.n > 0 {
		if a.n--; a.n == 0 {
			a.hook()
		}
	}
	return a.Link.Write(ctx, p)
}

// TestFaultMidTransfer pulls the probe, or the target's power, in the
// middle of a 64 KiB write, and checks the error that comes up through
// the driver and the ARM layer, and that the next operation fails too
// rather than hanging or succeeding on a dead target.
func TestFaultMidTransfer(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault func(*sim.Slot)
		check func(error) bool
		want  string
	}{
		{"unplug", func(s *sim.Slot) { s.Probe.Unplug() },
			func(err error) bool { return errors.Is(err, link.ErrDisconnected) }, "an error wrapping link.ErrDisconnected"},
		{"power off", func(s *sim.Slot) { s.SetPower(false) },
			func(err error) bool { return err != nil && strings.Contains(err.Error(), "power") }, "an error that names target power"},
	} {
		for _, kind := range failKinds {
			t.Run(tc.name+"/"+kind, func(t *testing.T) {
				fx, err := sim.New(kind+":stm32f411ce", sim.Options{})
				if err != nil {
					t.Fatal(err)
				}
				aw := &afterWrites{}
				r, err := OpenSlot(t.Context(), fx, Options{Wrap: func(l link.Link) link.Link { aw.Link = l; return aw }})
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				mem, err := r.Memory(t.Context(), 4_000_000, nil)
				if err != nil {
					t.Fatal(err)
				}
				aw.n, aw.hook = 6, func() { tc.fault(r.Slot) }
				err = mem.WriteMemory32(t.Context(), sram411, make([]uint32, 16<<10))
				if !tc.check(err) {
					t.Errorf("write: %v; want %s", err, tc.want)
				}
				t.Logf("write: %v", err)
				err = mem.ReadMemory32(t.Context(), sram411, make([]uint32, 4))
				t.Logf("next read: %v", err)
				if !tc.check(err) {
					t.Errorf("next read: %v; want %s", err, tc.want)
				}
			})
		}
	}
}

// TestEmptyNest connects each probe kind to a nest with no board: the
// operator must read what to do, and nothing may look connected.
func TestEmptyNest(t *testing.T) {
	for _, kind := range failKinds {
		t.Run(kind, func(t *testing.T) {
			r, err := Open(t.Context(), kind+":stm32f411ce+empty", Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			mem, err := r.Memory(t.Context(), 4_000_000, nil)
			const want = "no target answers: is a board seated in this slot and powered?"
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("connect to an empty nest: %v; want %q", err, want)
			}
			if mem != nil {
				t.Error("memory access offered with no board")
			}
		})
	}
}
