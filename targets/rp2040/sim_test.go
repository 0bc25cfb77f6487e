package rp2040

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim"
	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/access"
	"github.com/flashstation/flashstation/targets/facts"
	"github.com/flashstation/flashstation/targets/internal/simrig"
)

type rig struct {
	fx *sim.Fixture
	s  *Session
}

func (r *rig) now() time.Duration { return r.fx.Slots[0].Probe.Clock().Now() }

func connect(t testing.TB, spec string) (*sim.Fixture, *access.Target, error) {
	t.Helper()
	fx := simrig.Fixture(t, spec)
	p := simrig.Probe(t, fx)
	opts := ConnectOptions()
	opts.Probe.ClockHz = simrig.SWDHz
	tg, err := access.Connect(context.Background(), p, opts)
	return fx, tg, err
}

func newRig(t testing.TB, spec string) *rig {
	t.Helper()
	fx, tg, err := connect(t, spec)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	v, _ := facts.Lookup("rp2040")
	s, err := Open(context.Background(), tg, v)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return &rig{fx: fx, s: s}
}

func image(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(255))
	}
	return b
}

func seg(addr uint32, data []byte) []targets.Segment {
	return []targets.Segment{{Addr: addr, Data: data}}
}
