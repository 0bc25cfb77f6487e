package stm32f4_test

import (
	"testing"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/internal/simrig"
)

// TestFaults programs through injected faults at the rate of the spec
// option faults=0.05. WAIT storms alone must be ridden out (no write is
// sent twice, reads are retried). With link faults too an attempt may
// fail, but only with an error naming the family, and an attempt that
// reports success must verify clean with the faults turned off.
func TestFaults(t *testing.T) {
	img := []targets.Segment{{Addr: 0x08000000, Data: simrig.Image(8192, 4)}}
	simrig.ProgramUnderFaults(t, "stm32f411ce", "stm32f411ce", "stm32f4", img)
}
