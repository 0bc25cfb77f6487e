package sim

import (
	"testing"

	"github.com/flashstation/flashstation/drivers/sim/chip/nrf52"
)

// The rev3 option seats an nRF52840 of build code AAF0, whose CTRL-AP
// ERASEALL leaves APPROTECT off only until the next reset; without it the
// board is an AAD0. A reseated board keeps the slot's variant.
func TestNRF52840Variant(t *testing.T) {
	for _, tc := range []struct {
		spec    string
		variant uint32 // FICR INFO.VARIANT, ASCII
		rev3    bool
	}{
		{"cmsis-dap-v2:nrf52840+approtect", 0x41414430, false},     // "AAD0"
		{"cmsis-dap-v2:nrf52840+approtect+rev3", 0x41414630, true}, // "AAF0"
	} {
		t.Run(tc.spec, func(t *testing.T) {
			fx, err := New(tc.spec, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for pass := range 2 {
				c := fx.Slots[0].Board().(*nrf52.Chip)
				v, _, err := c.Bus().Read(0x10000104, 4)
				if err != nil || v != tc.variant {
					t.Fatalf("pass %d: INFO.VARIANT = 0x%08X, %v; want 0x%08X", pass, v, err, tc.variant)
				}
				if !c.Protected() {
					t.Fatalf("pass %d: a +approtect board is open", pass)
				}
				// CTRL-AP ERASEALL, then a CTRL-AP reset pulse.
				ap := c.CtrlAP()
				if err := ap.WriteAP(0x004, 1); err != nil {
					t.Fatal(err)
				}
				if c.Protected() != !tc.rev3 {
					t.Errorf("pass %d: protected right after ERASEALL = %v", pass, c.Protected())
				}
				_ = ap.WriteAP(0x000, 1)
				_ = ap.WriteAP(0x000, 0)
				if c.Protected() != tc.rev3 {
					t.Errorf("pass %d: protected after the reset = %v", pass, c.Protected())
				}
				if err := fx.Slots[0].Reseat(false); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
