package rp2040

import (
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/w25q"
	"github.com/flashstation/flashstation/drivers/sim/clock"
)

// TestFlashProgramChargesSPIAtClkSys programs the same pages through the
// bootrom's RP at the ring oscillator and at 125 MHz from PLL_SYS. Per
// page RP sends WREN, 02h and three address bytes, 256 data bytes (261
// bytes, then the page program starts), polls 05h once while busy and
// once after: 263 bytes at clk_sys / BAUDR 6, plus the flash's tPP.
func TestFlashProgramChargesSPIAtClkSys(t *testing.T) {
	const pages = 4
	cases := []struct {
		name  string
		setup func(*testing.T, *Chip)
		hz    uint32
	}{
		{"ring oscillator", func(*testing.T, *Chip) {}, 6_500_000},
		{"PLL_SYS 125 MHz", sdkClocksInit, 125_000_000},
	}
	took := make([]time.Duration, len(cases))
	for i, tc := range cases {
		c := rescued(t)
		tc.setup(t, c)
		if hz := c.SysClockHz(); hz != tc.hz {
			t.Fatalf("%s: clk_sys %d Hz, want %d", tc.name, hz, tc.hz)
		}
		data := fill(t, c, pages*pageSize, 5)
		mustCall(t, c, "IF")
		mustCall(t, c, "EX")
		t0 := c.clk.Now()
		mustCall(t, c, "RP", 0, dataA, pages*pageSize)
		took[i] = c.ReturnedAt(0) - t0 // the call's own time, not the polls'
		if c.clk.Now()-c.ReturnedAt(0) > pollStep {
			t.Errorf("%s: halt seen %v after the return", tc.name, c.clk.Now()-c.ReturnedAt(0))
		}
		want := pages * (263*clock.Bits(8*6, tc.hz) + w25q.TimePageProgram)
		if took[i] != want {
			t.Errorf("%s: %d pages took %v, want %v", tc.name, pages, took[i], want)
		}
		if got := c.Flash().Contents()[:pages*pageSize]; string(got) != string(data) {
			t.Errorf("%s: flash does not hold the data", tc.name)
		}
	}
	if took[1] >= took[0] {
		t.Errorf("125 MHz took %v, ring oscillator %v: the faster clock must be faster", took[1], took[0])
	}
}
