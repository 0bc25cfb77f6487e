package dap

import (
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/dap/jtag"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

const (
	bsIDCODE  = 0x16410041 // STM32F1 medium density rev B/Z boundary scan
	cpuIDCODE = 0x3BA00477 // Cortex-M3 JTAG-DP
)

// jtagHost drives TMS/TDI by the IEEE 1149.1 state diagram.
type jtagHost struct{ c *JTAGChain }

func (h jtagHost) tms(path string) {
	for _, b := range path {
		h.c.Clock(b == '1', false)
	}
}

// shift clocks n bits from Shift-xR, leaving in Exit1-xR.
func (h jtagHost) shift(n int, tdi uint64) uint64 {
	var tdo uint64
	for i := range n {
		if h.c.Clock(i == n-1, tdi>>i&1 == 1) {
			tdo |= 1 << i
		}
	}
	return tdo
}

// ir and dr scan from Run-Test/Idle back to Run-Test/Idle.
func (h jtagHost) ir(n int, v uint64) uint64 {
	h.tms("1100")
	out := h.shift(n, v)
	h.tms("10")
	return out
}

func (h jtagHost) dr(n int, v uint64) uint64 {
	h.tms("100")
	out := h.shift(n, v)
	h.tms("10")
	return out
}

// stm32Chain is TDI -> boundary scan (IR 5) -> Cortex-M3 JTAG-DP (IR 4) -> TDO.
func stm32Chain(ram hw.Bus) (jtagHost, *DP, *clock.Clock) {
	dp, clk := newM3(ram)
	c := NewJTAGChain(clk, []hw.TAPSpec{
		{IRLen: 5, IDCODE: bsIDCODE, DP: -1},
		{IRLen: 4, IDCODE: cpuIDCODE, DP: 0},
	}, []*DP{dp})
	h := jtagHost{c}
	h.tms("111110") // Test-Logic-Reset, then Run-Test/Idle
	return h, dp, clk
}

// dpacc is one 36-bit scan with the BS TAP in BYPASS: it returns the ACK
// and data captured for the previous access.
func dpacc(h jtagHost, rnw bool, a uint8, v uint32) (uint8, uint32) {
	req := uint64(v)<<3 | uint64(a>>2)<<1
	if rnw {
		req |= 1
	}
	out := h.dr(36, req)
	return uint8(out & 7), uint32(out >> 3)
}

// selectIR loads the JTAG-DP instruction with the BS TAP in BYPASS.
func selectIR(h jtagHost, ir uint64) { h.ir(9, ir|0x1F<<4) }

func TestJTAGIDCODEScanAndIRCapture(t *testing.T) {
	h, _, _ := stm32Chain(newRAM(0x20000000, 1024))
	got := h.dr(64, 0)
	if cpu, bs := uint32(got), uint32(got>>32); cpu != cpuIDCODE || bs != bsIDCODE {
		t.Fatalf("IDCODE scan: CPU %#x BS %#x", cpu, bs)
	}
	// IR capture: 0001 from the JTAG-DP (nearest TDO), 00001 from the BS TAP.
	if capt := h.ir(9, 0x1FF); capt != 0b00001_0001 {
		t.Fatalf("IR capture %09b", capt)
	}
	// All ones is BYPASS in both: a 2-bit DR that captures zeros.
	if out := h.dr(4, 0b1011); out != 0b1100 {
		t.Fatalf("bypass scan %04b", out)
	}
	// An unknown BS instruction acts as BYPASS; the DP's IDCODE still reads.
	h.ir(9, 0xE|0x02<<4)
	if out := h.dr(33, 0); uint32(out) != cpuIDCODE || out>>32 != 0 {
		t.Fatalf("unknown BS instruction: %#x", out)
	}
	h.c.SetTRST(true)
	h.c.SetTRST(false)
	if h.c.State() != jtag.TestLogicReset {
		t.Fatalf("TRST left the TAPs in %v", h.c.State())
	}
	h.tms("0")
	if got := h.dr(64, 0); uint32(got>>32) != bsIDCODE {
		t.Fatalf("after TRST: %#x", got)
	}
}

func TestJTAGDPACCPostedRead(t *testing.T) {
	h, _, _ := stm32Chain(newRAM(0x20000000, 1024))
	selectIR(h, IRDPACC)
	steps := []struct {
		rnw     bool
		a       uint8
		v       uint32
		wantAck uint8
		want    uint32
	}{
		{true, 0x0, 0, JTAGAckOKFault, 0},           // DPIDR read posted
		{true, 0xC, 0, JTAGAckOKFault, stm32DPIDR},  // RDBUFF collects it
		{false, 0x4, 0x50000000, JTAGAckOKFault, 0}, // power-up request (RDBUFF read as zero)
		{true, 0x4, 0, JTAGAckOKFault, 0},           // write returns nothing useful
		{true, 0xC, 0, JTAGAckOKFault, 0xF0000000},  // CTRL/STAT with both ACKs
	}
	for i, s := range steps {
		ack, v := dpacc(h, s.rnw, s.a, s.v)
		if ack != s.wantAck || (i != 3 && v != s.want) {
			t.Fatalf("step %d: ack %03b data %#x, want %03b %#x", i, ack, v, s.wantAck, s.want)
		}
	}
}

func TestJTAGWaitAndSticky(t *testing.T) {
	ram := newRAM(0x20000000, 1024)
	ram.stallFrom, ram.stall = 0x20000100, 100*time.Microsecond
	h, dp, _ := stm32Chain(ram)
	selectIR(h, IRDPACC)
	dpacc(h, false, 0x4, 0x50000000)
	selectIR(h, IRAPACC)
	dpacc(h, false, 0x0, 0x23000012)
	dpacc(h, false, 0x4, 0x20000100)
	dpacc(h, false, 0xC, 0x11111111) // stalls the bus for 100 µs
	if ack, _ := dpacc(h, false, 0xC, 0x22222222); ack != JTAGAckWait {
		t.Fatalf("during stall: ack %03b, want WAIT", ack)
	}
	if ram.mem[0x104] != 0 {
		t.Fatal("the WAITed request was performed")
	}
	h.tms("0000000000") // a few idle TCKs are not enough
	if ack, _ := dpacc(h, false, 0xC, 0x22222222); ack != JTAGAckWait {
		t.Fatalf("still stalled: ack %03b", ack)
	}
	for range 100 { // 1 MHz TCK: 100 cycles are 100 µs
		h.c.Clock(false, false)
	}
	if ack, _ := dpacc(h, false, 0xC, 0x22222222); ack != JTAGAckOKFault {
		t.Fatalf("after the stall: ack %03b", ack)
	}
	if ram.mem[0x104] != 0x22 {
		t.Fatalf("retried write missing: % x", ram.mem[0x100:0x108])
	}

	for range 100 { // the retried write stalls too
		h.c.Clock(false, false)
	}

	// A bus fault: STICKYERR, later AP accesses are discarded, and writing 1
	// to STICKYERR in CTRL/STAT clears it (JTAG-DP).
	dpacc(h, false, 0x4, 0x40000000)
	dpacc(h, true, 0xC, 0)
	if dp.CtrlStat()&CtrlStickyErr == 0 {
		t.Fatal("no STICKYERR after a bus fault")
	}
	dpacc(h, false, 0x4, 0x20000000)
	selectIR(h, IRDPACC)
	if _, tar := dpacc(h, true, 0xC, 0); dp.aps[0].(*memAP).tar != 0x40000000 {
		t.Fatalf("TAR write was not discarded: %#x (%#x)", dp.aps[0].(*memAP).tar, tar)
	}
	dpacc(h, false, 0x4, 0x50000000|CtrlStickyErr)
	if dp.CtrlStat()&CtrlStickyErr != 0 {
		t.Fatal("writing 1 to STICKYERR did not clear it")
	}
}

func TestJTAGTimeCharged(t *testing.T) {
	h, _, clk := stm32Chain(newRAM(0x20000000, 1024))
	h.c.SetClock(2_000_000)
	t0 := clk.Now()
	h.dr(64, 0) // 3 + 64 + 2 TCK cycles
	if d := clk.Now() - t0; d != 69*500*time.Nanosecond {
		t.Fatalf("69 TCKs at 2 MHz took %v", d)
	}
}
