package nrf52

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/drivers/sim/chip/nrf52"
	"github.com/flashstation/flashstation/recipes"
	"github.com/flashstation/flashstation/targets"
)

// The example recipe nrf52840-bootloader (unlock, read-id, program the
// UF2 bootloader .hex with its UICR words, verify, reset) on a protected
// board of each kind of silicon, through the real CMSIS-DAP driver.
func TestBootloaderRecipeFlow(t *testing.T) {
	rc, err := recipes.Load("../../recipes/examples/nrf52840-bootloader.toml")
	if err != nil {
		t.Fatal(err)
	}
	var img []targets.Segment
	for _, sg := range rc.Firmware.Image.Segments {
		img = append(img, targets.Segment{Addr: sg.Address, Data: sg.Data})
	}
	for _, tc := range []struct {
		opts      string
		approtect uint32 // UICR.APPROTECT after the flow
	}{
		{"", 0xFFFFFFFF},      // AAD0: erased is open
		{"+rev3", 0x0000005A}, // AAF0: HwDisabled, so firmware can keep it open
	} {
		t.Run("nrf52840"+tc.opts, func(t *testing.T) {
			r := newRig(t, "cmsis-dap-v2:nrf52840+approtect"+tc.opts)
			ctx := context.Background()
			t0 := r.now()
			if err := r.s.Unlock(ctx, nil); err != nil {
				t.Fatal(err)
			}
			id, err := r.s.Identify(ctx)
			if err != nil || id.Protected || id.DeviceID != 0x52840 {
				t.Fatalf("read-id after unlock: %+v %v", id, err)
			}
			if err := r.s.Program(ctx, img, targets.ProgramOptions{}, nil); err != nil {
				t.Fatal(err)
			}
			if err := r.s.Verify(ctx, img, nil); err != nil {
				t.Fatal(err)
			}
			if tc.opts == "+rev3" {
				// Halted at the reset vector, the firmware could never
				// reopen the debug port.
				if err := r.s.Reset(ctx, true); err == nil || !strings.Contains(err.Error(), "refusing a reset-and-halt on build AAF0") {
					t.Errorf("reset-and-halt on revision 3: %v", err)
				}
			}
			if err := r.s.Reset(ctx, false); err != nil {
				t.Fatal(err)
			}
			took := r.now() - t0
			chip := r.fx.Slots[0].Board().(*nrf52.Chip)
			if got := binary.LittleEndian.Uint32(chip.UICR()[nrf52.UICRAPProtect:]); got != tc.approtect {
				t.Errorf("UICR.APPROTECT = 0x%08X, want 0x%08X", got, tc.approtect)
			}
			t.Logf("%s: modeled %v (unlock, read-id, program, verify, reset)", id.Revision, took)
		})
	}
}
