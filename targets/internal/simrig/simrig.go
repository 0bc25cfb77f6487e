package simrig

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/discover"
	"github.com/flashstation/flashstation/drivers/sim"
	"github.com/flashstation/flashstation/drivers/sim/fault"
	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/facts"
	"github.com/flashstation/flashstation/targets/native"
)

// SWDHz is the SWD clock the family tests run at, 4 MHz.
const SWDHz = 4_000_000

// Fixture builds a one-slot fixture from spec ("cmsis-dap-v2:stm32f103c8").
func Fixture(tb testing.TB, spec string) *sim.Fixture {
	tb.Helper()
	fx, err := sim.New(spec, sim.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return fx
}

// Probe opens the fixture's only probe; it is closed when the test ends.
// A test calls it again to reopen after a disconnect-class error, as a
// station worker does.
func Probe(tb testing.TB, fx *sim.Fixture) drivers.Probe {
	tb.Helper()
	ctx := context.Background()
	found, err := discover.Scan(ctx, fx.Bus)
	if err != nil || len(found) != 1 {
		tb.Fatalf("scan: %v (%d found)", err, len(found))
	}
	p, err := discover.Open(ctx, fx.Bus, found[0], nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close() })
	return p
}

// Board is one simulated slot opened as a session.
type Board struct {
	Fx   *sim.Fixture
	S    targets.Session
	P    drivers.Probe
	Slot *sim.Slot
}

// Open builds a one-slot fixture from spec and opens variant on it
// through native at SWDHz; the session is closed when the test ends.
func Open(tb testing.TB, spec, variant string) *Board {
	tb.Helper()
	fx := Fixture(tb, spec)
	p := Probe(tb, fx)
	v, err := facts.Lookup(variant)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := native.OpenWith(context.Background(), p, v, native.Options{ClockHz: SWDHz})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return &Board{Fx: fx, S: s, P: p, Slot: fx.Slots[0]}
}

// Modeled is the slot's modeled time so far.
func (b *Board) Modeled() time.Duration { return b.Slot.Probe.Clock().Now() }

// Image returns n pseudo-random bytes from seed (the STM32 tests' images).
func Image(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// BenchFlash: mass erase + program + verify of img per iteration on a
// fresh board for each probe kind, reported in modeled seconds (averaged)
// beside the physical floor in seconds.
func BenchFlash(b *testing.B, chip, variant string, img []targets.Segment, floor float64) {
	for _, probe := range []string{"cmsis-dap-v2", "stlink-v3"} {
		b.Run(probe, func(b *testing.B) {
			var ep, ver time.Duration
			for range b.N {
				bd := Open(b, probe+":"+chip, variant)
				ctx := context.Background()
				t0 := bd.Modeled()
				if err := bd.S.MassErase(ctx, nil); err != nil {
					b.Fatal(err)
				}
				if err := bd.S.Program(ctx, img, targets.ProgramOptions{SkipErase: true}, nil); err != nil {
					b.Fatal(err)
				}
				t1 := bd.Modeled()
				if err := bd.S.Verify(ctx, img, nil); err != nil {
					b.Fatal(err)
				}
				ep += t1 - t0
				ver += bd.Modeled() - t1
			}
			b.ReportMetric(ep.Seconds()/float64(b.N), "erase+program-s")
			b.ReportMetric(ver.Seconds()/float64(b.N), "verify-s")
			b.ReportMetric(floor, "floor-s")
			b.ReportMetric(ep.Seconds()/float64(b.N)/floor, "x-floor")
		})
	}
}

// ProgramUnderFaults programs img on chip with link faults injected at 5%
// per probe kind: WAIT storms alone must not stop it; with every fault
// kind it may fail, but then with an error that starts with pkg+": ".
// What it reports as written must verify.
func ProgramUnderFaults(t *testing.T, chip, variant, pkg string, img []targets.Segment) {
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
			b := Open(t, tt.probe+":"+chip+"+faults=1e-12", variant)
			f := b.Slot.Probe.Faults()
			set := func(r float64) {
				for _, k := range tt.kinds {
					f.SetRate(k, r)
				}
			}
			ctx := context.Background()
			set(0.05)
			err := b.S.Program(ctx, img, targets.ProgramOptions{}, nil)
			set(0)
			if tt.mustWrite && f.Fired(fault.WaitStorm) == 0 {
				t.Fatal("no WAIT storm was injected")
			}
			if err != nil {
				if tt.mustWrite {
					t.Fatalf("programming failed under WAIT storms alone: %v", err)
				}
				if !strings.HasPrefix(err.Error(), pkg+": ") {
					t.Errorf("error does not name the family: %v", err)
				}
				t.Logf("failed under faults (allowed): %v", err)
				return
			}
			if err := b.S.Verify(ctx, img, nil); err != nil {
				t.Fatalf("program reported success but: %v", err)
			}
		})
	}
}
