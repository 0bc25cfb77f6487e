package stm32f1_test

import (
	"testing"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/internal/simrig"
)

// BenchmarkFlash64K: mass erase + program + verify of a 64 KiB image at
// 4 MHz SWD, in modeled seconds beside the physical floor (1.74 s for
// erase + program, performance.md).
func BenchmarkFlash64K(b *testing.B) {
	img := []targets.Segment{{Addr: 0x08000000, Data: simrig.Image(65536, 9)}}
	simrig.BenchFlash(b, "stm32f103c8", "stm32f103c8", img, 1.74)
}
