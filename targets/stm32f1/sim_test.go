package stm32f1_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/facts"
	"github.com/flashstation/flashstation/targets/internal/simrig"
	"github.com/flashstation/flashstation/targets/native"
	_ "github.com/flashstation/flashstation/targets/stm32f1"
)

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
		// Each compatible as real ones report themselves (drivers/sim/IDENTITY.md).
		{"cmsis-dap-v2:stm32f103c8+gd32", true, false},
		{"stlink-v2:stm32f103c8+gd32", true, false},
		{"cmsis-dap-v1:stm32f103c8+cs32", true, false},
		{"stlink-v21:stm32f103c8+cs32", true, false},
		{"cmsis-dap-v2:stm32f103c8+apm32", true, false},
		{"stlink-v3:stm32f103c8+apm32", true, false},
		{"stlink-v2:stm32f103c8+apm32+locked", true, true},
		// Genuine parts are never called clones, whatever the probe.
		{"cmsis-dap-v1:stm32f103c8", false, false},
		{"stlink-v21:stm32f103c8", false, false},
		{"stlink-v3:stm32f103c8+locked", false, true},
		{"cmsis-dap-v2:stm32f103c8+locked", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			b := simrig.Open(t, tt.spec, "stm32f103c8")
			id, err := b.S.Identify(context.Background())
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
	ctx := context.Background()
	p := simrig.Probe(t, simrig.Fixture(t, "cmsis-dap-v2:stm32f411ce"))
	v, _ := facts.Lookup("stm32f103c8")
	_, err := native.Open(ctx, p, v)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("expected STM32F103C8 (0x410), found STM32F411 (0x431)")) {
		t.Fatalf("err = %v", err)
	}
}

func TestProgramVerify(t *testing.T) {
	for _, probe := range probes {
		t.Run(probe, func(t *testing.T) {
			b := simrig.Open(t, probe+":stm32f103c8", "stm32f103c8")
			ctx := context.Background()
			img := []targets.Segment{{Addr: 0x08000400, Data: simrig.Image(3000, 1)}, {Addr: 0x08003001, Data: []byte{1, 2, 3}}}
			var last targets.Progress
			if err := b.S.Program(ctx, img, targets.ProgramOptions{}, func(p targets.Progress) { last = p }); err != nil {
				t.Fatal(err)
			}
			if last.Phase != targets.PhaseProgram || last.Done != last.Total {
				t.Errorf("last progress %+v", last)
			}
			if err := b.S.Verify(ctx, img, nil); err != nil {
				t.Fatal(err)
			}
			t.Logf("modeled %v", b.Modeled())
		})
	}
}

func TestLockedUnlockProgram(t *testing.T) {
	b := simrig.Open(t, "cmsis-dap-v2:stm32f103c8+locked", "stm32f103c8")
	ctx := context.Background()
	img := []targets.Segment{{Addr: 0x08000000, Data: simrig.Image(2048, 2)}}
	if err := b.S.Program(ctx, img, targets.ProgramOptions{}, nil); err == nil {
		t.Fatal("program on a locked chip succeeded")
	}
	if err := b.S.Unlock(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.S.Program(ctx, img, targets.ProgramOptions{SkipErase: true}, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.S.Verify(ctx, img, nil); err != nil {
		t.Fatal(err)
	}
	st, err := b.S.Lock(ctx)
	if err != nil || !st.Protected {
		t.Fatalf("lock: %+v %v", st, err)
	}
	id, err := b.S.Identify(ctx)
	if err != nil || !id.Protected {
		t.Fatalf("identify after lock: %+v %v", id, err)
	}
}

func TestBadCellFailsVerify(t *testing.T) {
	b := simrig.Open(t, "cmsis-dap-v2:stm32f103c8+faults=1e-12", "stm32f103c8")
	b.Slot.Probe.Faults().AddBadCell(0x08000102)
	ctx := context.Background()
	img := []targets.Segment{{Addr: 0x08000000, Data: bytes.Repeat([]byte{0x12, 0x34}, 512)}}
	perr := b.S.Program(ctx, img, targets.ProgramOptions{}, nil)
	err := b.S.Verify(ctx, img, nil)
	var ve *targets.VerifyError
	if !errors.As(err, &ve) || ve.Addr&^3 != 0x08000100 {
		t.Fatalf("program: %v; verify: %v, want a VerifyError near 0x08000102", perr, err)
	}
}
