package stm32f4_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/internal/simrig"
	_ "github.com/flashstation/flashstation/targets/stm32f4"
)

var probes = []string{"cmsis-dap-v1", "cmsis-dap-v2", "stlink-v2", "stlink-v2-old", "stlink-v3"}

func TestIdentify(t *testing.T) {
	tests := []struct {
		spec      string
		protected bool
	}{
		{"cmsis-dap-v2:stm32f411ce", false},
		{"stlink-v2-old:stm32f411ce", false},
		{"stlink-v3:stm32f411ce+locked", true},
		{"cmsis-dap-v1:stm32f411ce+locked", true},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			b := simrig.Open(t, tt.spec, "stm32f411ce")
			id, err := b.S.Identify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if id.DeviceID != 0x431 || id.Part != "STM32F411CE" || len(id.UID) != 12 || id.Clone {
				t.Errorf("identity %+v", id)
			}
			if id.Protected != tt.protected {
				t.Errorf("protected=%v, want %v", id.Protected, tt.protected)
			}
			if id.FlashKiB != 512 && id.FlashNote == "" {
				t.Errorf("flash %d KiB and no note", id.FlashKiB)
			}
		})
	}
}

func TestProgramVerify(t *testing.T) {
	for _, probe := range probes {
		t.Run(probe, func(t *testing.T) {
			b := simrig.Open(t, probe+":stm32f411ce", "stm32f411ce")
			ctx := context.Background()
			// Crosses the sector 0/1 boundary; the odd tail needs padding.
			img := []targets.Segment{{Addr: 0x08003F00, Data: simrig.Image(1000, 1)}, {Addr: 0x08020002, Data: []byte{7, 8, 9}}}
			var erased int64
			err := b.S.Program(ctx, img, targets.ProgramOptions{}, func(p targets.Progress) {
				if p.Phase == targets.PhaseErase {
					erased = p.Total
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if erased != 16384*2+131072 {
				t.Errorf("erased %d bytes, want sectors 0, 1 and 5", erased)
			}
			if err := b.S.Verify(ctx, img, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	b := simrig.Open(t, "cmsis-dap-v2:stm32f411ce", "stm32f411ce")
	ctx := context.Background()
	tests := []struct {
		name string
		run  func() error
	}{
		{"image past flash", func() error {
			return b.S.Program(ctx, []targets.Segment{{Addr: 0x0807FFFE, Data: make([]byte, 4)}}, targets.ProgramOptions{}, nil)
		}},
		{"image in RAM", func() error {
			return b.S.Program(ctx, []targets.Segment{{Addr: 0x20000000, Data: make([]byte, 4)}}, targets.ProgramOptions{}, nil)
		}},
		{"unaligned erase", func() error { return b.S.Erase(ctx, 0x08000000, 0x1000, nil) }},
		{"erase outside flash", func() error { return b.S.Erase(ctx, 0x08080000, 0x4000, nil) }},
	}
	for _, tt := range tests {
		if err := tt.run(); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	if err := b.S.Erase(ctx, 0x08004000, 0x4000+0x4000, nil); err != nil {
		t.Errorf("aligned erase of sectors 1-2: %v", err)
	}
}

func TestLockedUnlockProgramLock(t *testing.T) {
	for _, probe := range []string{"cmsis-dap-v2", "stlink-v3"} {
		t.Run(probe, func(t *testing.T) {
			b := simrig.Open(t, probe+":stm32f411ce+locked", "stm32f411ce")
			ctx := context.Background()
			img := []targets.Segment{{Addr: 0x08000000, Data: simrig.Image(4096, 2)}}
			if err := b.S.Program(ctx, img, targets.ProgramOptions{}, nil); err == nil {
				t.Fatal("program on a locked chip succeeded")
			}
			var unlockEvents int
			if err := b.S.Unlock(ctx, func(targets.Progress) { unlockEvents++ }); err != nil {
				t.Fatal(err)
			}
			if unlockEvents < 2 {
				t.Errorf("%d unlock progress events", unlockEvents)
			}
			if err := b.S.Program(ctx, img, targets.ProgramOptions{SkipErase: true}, nil); err != nil {
				t.Fatal(err)
			}
			if err := b.S.Verify(ctx, img, nil); err != nil {
				t.Fatal(err)
			}
			st, err := b.S.Lock(ctx)
			if err != nil || !st.Protected || st.Level != "RDP level 1" {
				t.Fatalf("lock: %+v %v", st, err)
			}
		})
	}
}

func TestBadCellFailsVerify(t *testing.T) {
	b := simrig.Open(t, "stlink-v3:stm32f411ce+faults=1e-12", "stm32f411ce")
	b.Slot.Probe.Faults().AddBadCell(0x08000204)
	ctx := context.Background()
	img := []targets.Segment{{Addr: 0x08000000, Data: bytes.Repeat([]byte{0x5A}, 1024)}}
	perr := b.S.Program(ctx, img, targets.ProgramOptions{}, nil)
	err := b.S.Verify(ctx, img, nil)
	var ve *targets.VerifyError
	if !errors.As(err, &ve) || ve.Addr&^3 != 0x08000204 || ve.Mismatch == 0 {
		t.Fatalf("program: %v; verify: %v, want a VerifyError at 0x08000204", perr, err)
	}
}
