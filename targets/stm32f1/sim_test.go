package stm32f1_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/discover"
	"github.com/flashstation/flashstation/drivers/sim"
	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/facts"
	"github.com/flashstation/flashstation/targets/native"
	_ "github.com/flashstation/flashstation/targets/stm32f1"
)

// board is one simulated slot opened as a session.
type board struct {
	fx   *sim.Fixture
	s    targets.Session
	p    drivers.Probe
	slot *sim.Slot
}

// open builds a one-slot fixture from spec and opens variant on it.
func open(t testing.TB, spec, variant string) *board {
	t.Helper()
	ctx := context.Background()
	fx, err := sim.New(spec, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	found, err := discover.Scan(ctx, fx.Bus)
	if err != nil || len(found) != 1 {
		t.Fatalf("scan: %v (%d found)", err, len(found))
	}
	p, err := discover.Open(ctx, fx.Bus, found[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	v, err := facts.Lookup(variant)
	if err != nil {
		t.Fatal(err)
	}
	s, err := native.OpenWith(ctx, p, v, native.Options{ClockHz: 4_000_000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &board{fx: fx, s: s, p: p, slot: fx.Slots[0]}
}

func image(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func (b *board) modeled() time.Duration { return b.slot.Probe.Clock().Now() }

var probes = []string{"cmsis-dap-v1", "cmsis-dap-v2", "stlink-v2", "stlink-v3"}

func TestIdentify(t *testing.T) {
	tests := []struct {
		spec      string
		clone     bool
		protected bool
	}{
		{"cmsis-dap-v2:stm32f103c8", false, false},
		{"stlink-v2:stm32f103c8", false, false},
		{"stlink-v2-old:stm32f103c8", false, false},
		{"cmsis-dap-v2:stm32f103c8+clone", true, false},
		{"stlink-v3:stm32f103c8+clone", true, false},
		{"cmsis-dap-v2:stm32f103c8+locked", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			b := open(t, tt.spec, "stm32f103c8")
			id, err := b.s.Identify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if id.DeviceID != 0x410 || id.Part != "STM32F103C8" || len(id.UID) != 12 {
				t.Errorf("identity %+v", id)
			}
			if id.Clone != tt.clone || id.Protected != tt.protected {
				t.Errorf("clone=%v protected=%v, want %v %v", id.Clone, id.Protected, tt.clone, tt.protected)
			}
			if id.FlashKiB == 0 && id.FlashNote == "" {
				t.Error("no flash size and no note")
			}
			t.Logf("%+v uid=%s", id, id.UIDHex())
		})
	}
}

func TestWrongChipRefused(t *testing.T) {
	fx, _ := sim.New("cmsis-dap-v2:stm32f411ce", sim.Options{})
	ctx := context.Background()
	found, _ := discover.Scan(ctx, fx.Bus)
	p, err := discover.Open(ctx, fx.Bus, found[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	v, _ := facts.Lookup("stm32f103c8")
	_, err = native.Open(ctx, p, v)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("expected STM32F103C8 (0x410), found STM32F411 (0x431)")) {
		t.Fatalf("err = %v", err)
	}
}

func TestProgramVerify(t *testing.T) {
	for _, probe := range probes {
		t.Run(probe, func(t *testing.T) {
			b := open(t, probe+":stm32f103c8", "stm32f103c8")
			ctx := context.Background()
			img := []targets.Segment{{Addr: 0x08000400, Data: image(3000, 1)}, {Addr: 0x08003001, Data: []byte{1, 2, 3}}}
			var last targets.Progress
			if err := b.s.Program(ctx, img, targets.ProgramOptions{}, func(p targets.Progress) { last = p }); err != nil {
				t.Fatal(err)
			}
			if last.Phase != targets.PhaseProgram || last.Done != last.Total {
				t.Errorf("last progress %+v", last)
			}
			if err := b.s.Verify(ctx, img, nil); err != nil {
				t.Fatal(err)
			}
			t.Logf("modeled %v", b.modeled())
		})
	}
}

func TestLockedUnlockProgram(t *testing.T) {
	b := open(t, "cmsis-dap-v2:stm32f103c8+locked", "stm32f103c8")
	ctx := context.Background()
	img := []targets.Segment{{Addr: 0x08000000, Data: image(2048, 2)}}
	if err := b.s.Program(ctx, img, targets.ProgramOptions{}, nil); err == nil {
		t.Fatal("program on a locked chip succeeded")
	}
	if err := b.s.Unlock(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.s.Program(ctx, img, targets.ProgramOptions{SkipErase: true}, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.s.Verify(ctx, img, nil); err != nil {
		t.Fatal(err)
	}
	st, err := b.s.Lock(ctx)
	if err != nil || !st.Protected {
		t.Fatalf("lock: %+v %v", st, err)
	}
	id, err := b.s.Identify(ctx)
	if err != nil || !id.Protected {
		t.Fatalf("identify after lock: %+v %v", id, err)
	}
}

func TestBadCellFailsVerify(t *testing.T) {
	b := open(t, "cmsis-dap-v2:stm32f103c8+faults=1e-12", "stm32f103c8")
	b.slot.Probe.Faults().AddBadCell(0x08000102)
	ctx := context.Background()
	img := []targets.Segment{{Addr: 0x08000000, Data: bytes.Repeat([]byte{0x12, 0x34}, 512)}}
	perr := b.s.Program(ctx, img, targets.ProgramOptions{}, nil)
	err := b.s.Verify(ctx, img, nil)
	var ve *targets.VerifyError
	if !errors.As(err, &ve) || ve.Addr&^3 != 0x08000100 {
		t.Fatalf("program: %v; verify: %v, want a VerifyError near 0x08000102", perr, err)
	}
}
