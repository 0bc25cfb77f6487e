package stm32f4_test

import (
	"testing"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/internal/simrig"
)

// BenchmarkFlash512K: mass erase + program + verify of a 512 KiB image at
// 4 MHz SWD, in modeled seconds beside the physical floor (6.1 s for
// erase + program, performance.md).
func BenchmarkFlash512K(b *testing.B) {
	img := []targets.Segment{{Addr: 0x08000000, Data: simrig.Image(524288, 9)}}
	simrig.BenchFlash(b, "stm32f411ce", "stm32f411ce", img, 6.1)
}
