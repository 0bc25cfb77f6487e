package nrf52

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/sim"
	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/access"
	"github.com/flashstation/flashstation/targets/facts"
	"github.com/flashstation/flashstation/targets/internal/simrig"
)

// rig is one simulated slot with an open session.
type rig struct {
	fx *sim.Fixture
	p  drivers.Probe
	s  *Session
}

func (r *rig) now() time.Duration { return r.fx.Slots[0].Probe.Clock().Now() }

func newRig(t testing.TB, spec string) *rig {
	t.Helper()
	return openRig(t, simrig.Fixture(t, spec))
}

// openRig opens the fixture's only probe and a session on its board; a
// test calls it again to reopen after a disconnect-class error, as a
// station worker does.
func openRig(t testing.TB, fx *sim.Fixture) *rig {
	t.Helper()
	ctx := context.Background()
	p := simrig.Probe(t, fx)
	v, err := facts.Lookup("nrf52840")
	if err != nil {
		t.Fatal(err)
	}
	tg, err := access.Connect(ctx, p, access.ConnectOptions{Probe: drivers.ConnectOptions{ClockHz: simrig.SWDHz}})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	s, err := Open(ctx, tg, v)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return &rig{fx: fx, p: p, s: s}
}

// image returns n pseudo-random bytes (few 0xFF words, like code).
func image(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(255))
	}
	return b
}

func seg(addr uint32, data []byte) []targets.Segment {
	return []targets.Segment{{Addr: addr, Data: data}}
}
