package stm32f4_test

import (
	"testing"

	"github.com/flashstation/flashstation/targets/internal/simrig"
)

// Range erase, per-unit writes, reset and mass erase on every probe kind.
func TestEraseWriteResetMassErase(t *testing.T) {
	simrig.EraseWriteResetMassErase(t, "stm32f411ce", 0x08000000, 16384, probes)
}
