package stm32f4_test

import (
	"context"
	"testing"

	chipf4 "github.com/flashstation/flashstation/drivers/sim/chip/stm32f4"
	"github.com/flashstation/flashstation/targets/internal/simrig"
)

// FLASH_SR error flags are sticky until software writes 1 to them (RM0383
// §3.8.4). A flag left from before (firmware, or a debugger's software
// breakpoint written into flash, sets PGSERR) must not make the wait after
// OPTSTRT report an RDP change as failed although it ran.
func TestStaleSRErrorDoesNotFailRDPChange(t *testing.T) {
	for _, tc := range []struct {
		spec string
		lock bool
	}{{"cmsis-dap-v2:stm32f411ce+locked", false}, {"cmsis-dap-v2:stm32f411ce", true}} {
		b := simrig.Open(t, tc.spec, "stm32f411ce")
		chip := b.Slot.Board().(*chipf4.Chip)
		// A write into flash without PG: PGSERR (RM0383 §3.8.4).
		if _, err := chip.Bus().Write(chipf4.FlashBase+0x100, 4, 0); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		var err error
		if tc.lock {
			_, err = b.S.Lock(ctx)
		} else {
			err = b.S.Unlock(ctx, nil)
		}
		if err != nil {
			t.Errorf("%s lock=%v: %v (level now %d)", tc.spec, tc.lock, err, chip.Level())
		}
	}
}
