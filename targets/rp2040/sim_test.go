package rp2040

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/discover"
	"github.com/flashstation/flashstation/drivers/sim"
	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/access"
	"github.com/flashstation/flashstation/targets/facts"
)

const swdHz = 4_000_000

type rig struct {
	fx *sim.Fixture
	s  *Session
}

func (r *rig) now() time.Duration { return r.fx.Slots[0].Probe.Clock().Now() }

func connect(t testing.TB, spec string) (*sim.Fixture, *access.Target, error) {
	t.Helper()
	ctx := context.Background()
	fx, err := sim.New(spec, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	found, err := discover.Scan(ctx, fx.Bus)
	if err != nil || len(found) != 1 {
		t.Fatalf("scan: %v %v", found, err)
	}
	p, err := discover.Open(ctx, fx.Bus, found[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	opts := ConnectOptions()
	opts.Probe.ClockHz = swdHz
	tg, err := access.Connect(ctx, p, opts)
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
