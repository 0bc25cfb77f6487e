package rp2040

import (
	"errors"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// Register addresses as a host writes them (pico-sdk hardware/regs).
const (
	aRESET     = resetsBase + resetsRESET
	aDONE      = resetsBase + resetsDONE
	aXCTRL     = xoscBase + xoscCTRL
	aXSTATUS   = xoscBase + xoscSTATUS
	aXSTARTUP  = xoscBase + xoscSTARTUP
	aPLLCS     = pllSysBase + pllCS
	aPLLPWR    = pllSysBase + pllPWR
	aPLLFB     = pllSysBase + pllFBDIV
	aPLLPRIM   = pllSysBase + pllPRIM
	aRefCtrl   = clocksBase + clkRefCtrl
	aRefSel    = clocksBase + clkRefSel
	aSysCtrl   = clocksBase + clkSysCtrl
	aSysDiv    = clocksBase + clkSysDiv
	aSysSel    = clocksBase + clkSysSel
	aliasXOR   = 0x1000
	aliasSet   = 0x2000
	aliasClear = 0x3000
)

// rescued is a chip parked in the bootrom's _dead by the rescue DP: the
// clocks as the power-on state machine leaves them.
func rescued(t *testing.T) *Chip {
	t.Helper()
	c := newChip(t, "")
	r := c.DebugPorts()[2].OnCtrlStat
	r(0x50000000)
	r(0)
	return c
}

// poll reads addr until (v & mask) == want, letting step pass between
// reads as a host's round trips do; it returns the time it took.
func poll(t *testing.T, c *Chip, addr, mask, want uint32) time.Duration {
	t.Helper()
	const step = 10 * time.Microsecond
	t0 := c.clk.Now()
	for range 5000 {
		if rd(t, c.Bus(0), addr)&mask == want {
			return c.clk.Now() - t0
		}
		c.clk.Advance(step)
	}
	t.Fatalf("%#x & %#x never became %#x (last %#x)", addr, mask, want, rd(t, c.Bus(0), addr))
	return 0
}

// op is one step of a host's register sequence.
type op struct {
	addr, val, mask uint32
	poll            bool // wait until (addr & mask) == val
}

func run(t *testing.T, c *Chip, seq []op) {
	t.Helper()
	for _, o := range seq {
		if o.poll {
			poll(t, c, o.addr, o.mask, o.val)
			continue
		}
		wr(t, c.Bus(0), o.addr, o.val)
	}
}

// masked is hw_write_masked: an XOR-alias write of the bits that differ.
func masked(c *Chip, t *testing.T, addr, val, mask uint32) op {
	return op{addr: addr | aliasXOR, val: (rd(t, c.Bus(0), addr) ^ val) & mask}
}

// sdkClocksInit is the pico-sdk's order (xosc_init, runtime_init_clocks,
// pll_init, clock_configure) for clk_ref = XOSC 12 MHz and clk_sys =
// PLL_SYS at 12 MHz / 1 × 125 / (6 × 2) = 125 MHz.
func sdkClocksInit(t *testing.T, c *Chip) {
	t.Helper()
	run(t, c, []op{
		{addr: aXCTRL, val: 0xAA0},                       // FREQ_RANGE 1-15 MHz
		{addr: aXSTARTUP, val: (12000 + 128) / 256 * 6},  // 6 ms
		{addr: aXCTRL | aliasSet, val: xoscEnable << 12}, // ENABLE
		{addr: aXSTATUS, val: xoscStable, mask: xoscStable, poll: true},
		{addr: aSysCtrl | aliasClear, val: 1}, // clk_sys off aux
		{addr: aSysSel, val: 1, mask: 0xFFFFFFFF, poll: true},
		{addr: aRefCtrl | aliasClear, val: 3}, // clk_ref to rosc
		{addr: aRefSel, val: 1, mask: 0xFFFFFFFF, poll: true},
		{addr: aRESET | aliasSet, val: rstPLLSys}, // reset_unreset_block
		{addr: aRESET | aliasClear, val: rstPLLSys},
		{addr: aDONE, val: rstPLLSys, mask: rstPLLSys, poll: true},
		{addr: aPLLCS, val: 1},                              // REFDIV 1
		{addr: aPLLFB, val: 125},                            // VCO 1500 MHz
		{addr: aPLLPWR | aliasClear, val: pllPD | pllVCOPD}, // power on
		{addr: aPLLCS, val: pllCSLock, mask: pllCSLock, poll: true},
		{addr: aPLLPRIM, val: 6<<16 | 2<<12},
		{addr: aPLLPWR | aliasClear, val: pllPostPD},
	})
	// clock_configure(clk_ref, SRC xosc): not an aux source, so aux mux
	// first, then the glitchless mux, then wait for SELECTED.
	run(t, c, []op{masked(c, t, aRefCtrl, 0, 0x60)})
	run(t, c, []op{masked(c, t, aRefCtrl, refSrcXOSC, 3)})
	run(t, c, []op{{addr: aRefSel, val: 1 << refSrcXOSC, mask: 1 << refSrcXOSC, poll: true}})
	// clock_configure(clk_sys, SRC aux, AUXSRC pll_sys): off aux first.
	run(t, c, []op{
		{addr: aSysCtrl | aliasClear, val: 1},
		{addr: aSysSel, val: 1, mask: 1, poll: true},
	})
	run(t, c, []op{masked(c, t, aSysCtrl, sysAuxPLLSys<<5, 0xE0)})
	run(t, c, []op{masked(c, t, aSysCtrl, sysSrcAux, 1)})
	run(t, c, []op{
		{addr: aSysSel, val: 1 << sysSrcAux, mask: 1 << sysSrcAux, poll: true},
		{addr: aSysDiv, val: 0x100},
	})
}

func TestClockResetValues(t *testing.T) {
	cases := []struct {
		name string
		addr uint32
		want uint32
	}{
		{"RESETS.RESET all held", aRESET, 0x01FFFFFF},
		{"RESETS.WDSEL", resetsBase + resetsWDSEL, 0},
		{"RESETS.RESET_DONE none", aDONE, 0},
		{"XOSC.CTRL DISABLE, 1-15 MHz", aXCTRL, 0x00D1EAA0},
		{"XOSC.STATUS", aXSTATUS, 0},
		{"XOSC.DORMANT WAKE", xoscBase + xoscDORMANT, 0x77616B65},
		{"XOSC.STARTUP 0xC4", aXSTARTUP, 0xC4},
		{"PLL_SYS.CS REFDIV 1", aPLLCS, 1},
		{"PLL_SYS.PWR all down", aPLLPWR, 0x2D},
		{"PLL_SYS.FBDIV_INT", aPLLFB, 0},
		{"PLL_SYS.PRIM 7/7", aPLLPRIM, 0x77000},
		{"PLL_USB.PWR", pllUSBBase + pllPWR, 0x2D},
		{"CLK_REF_CTRL rosc", aRefCtrl, 0},
		{"CLK_REF_DIV 1", clocksBase + clkRefDiv, 0x100},
		{"CLK_REF_SELECTED rosc", aRefSel, 1},
		{"CLK_SYS_CTRL clk_ref", aSysCtrl, 0},
		{"CLK_SYS_DIV 1", aSysDiv, 0x100},
		{"CLK_SYS_SELECTED clk_ref", aSysSel, 1},
		{"CLK_PERI_CTRL", clocksBase + clkPeriCtrl, 0},
		{"CLK_PERI_SELECTED hardwired", clocksBase + clkPeriSel, 1},
	}
	c := rescued(t)
	for _, tc := range cases {
		if got := rd(t, c.Bus(0), tc.addr); got != tc.want {
			t.Errorf("%s: %#x reads %#08x, want %#08x", tc.name, tc.addr, got, tc.want)
		}
	}
	if hz := c.SysClockHz(); hz != 6_500_000 {
		t.Errorf("clk_sys %d Hz after reset, want the ring oscillator's 6.5 MHz", hz)
	}
}

func TestSDKClocksInitReaches125MHz(t *testing.T) {
	c := rescued(t)
	t0 := c.clk.Now()
	sdkClocksInit(t, c)
	if hz := c.SysClockHz(); hz != 125_000_000 {
		t.Fatalf("clk_sys %d Hz, want 125 MHz", hz)
	}
	// The crystal's count (282 × 256 periods of 12 MHz = 6.016 ms) bounds
	// the sequence from below.
	if d := c.clk.Now() - t0; d < 6016*time.Microsecond || d > 7*time.Millisecond {
		t.Errorf("clock setup took %v, want the 6.016 ms startup count plus a little", d)
	}
	b := c.Bus(0)
	for _, tc := range []struct {
		addr, want uint32
	}{
		{aSysSel, 1 << sysSrcAux}, {aRefSel, 1 << refSrcXOSC},
		{aXSTATUS, xoscStable | xoscEnabled | xoscBadWrite}, // 0xAA0 wrote ENABLE = 0: a bad code
		{aPLLCS, pllCSLock | 1}, {aPLLPWR, pllDSMPD}, {aPLLFB, 125}, {aPLLPRIM, 0x62000},
	} {
		if got := rd(t, b, tc.addr); got != tc.want {
			t.Errorf("%#x = %#08x, want %#08x", tc.addr, got, tc.want)
		}
	}
	// BADWRITE is write-1-to-clear.
	wr(t, b, aXSTATUS, xoscBadWrite)
	if rd(t, b, aXSTATUS)&xoscBadWrite != 0 {
		t.Error("BADWRITE survived a write of 1")
	}
	// CLK_SYS_DIV divides with 8 fractional bits: INT 2 gives 62.5 MHz.
	wr(t, b, aSysDiv, 0x200)
	if hz := c.SysClockHz(); hz != 62_500_000 {
		t.Errorf("DIV 2: clk_sys %d Hz, want 62.5 MHz", hz)
	}
}

func TestXOSCStartupCount(t *testing.T) {
	cases := []struct {
		name    string
		startup uint32
		want    time.Duration // 256 × DELAY (×4 with X4) periods of 12 MHz
	}{
		{"reset DELAY 0xC4", 0xC4, 196 * 256 * time.Second / 12_000_000},
		{"DELAY 47", 47, 47 * 256 * time.Second / 12_000_000},
		{"DELAY 47 X4", 47 | xoscStartupX4, 4 * 47 * 256 * time.Second / 12_000_000},
	}
	for _, tc := range cases {
		c := rescued(t)
		b := c.Bus(0)
		wr(t, b, aXSTARTUP, tc.startup)
		wr(t, b, aXCTRL, xoscEnable<<12|xoscRange1to15)
		if got := rd(t, b, aXSTATUS); got != xoscEnabled {
			t.Errorf("%s: STATUS %#x at enable, want ENABLED only", tc.name, got)
		}
		c.clk.Advance(tc.want - time.Nanosecond)
		if rd(t, b, aXSTATUS)&xoscStable != 0 {
			t.Errorf("%s: STABLE before %v", tc.name, tc.want)
		}
		c.clk.Advance(time.Nanosecond)
		if rd(t, b, aXSTATUS)&xoscStable == 0 {
			t.Errorf("%s: not STABLE at %v", tc.name, tc.want)
		}
		wr(t, b, aXCTRL, xoscDisable<<12|xoscRange1to15)
		if got := rd(t, b, aXSTATUS); got != 0 {
			t.Errorf("%s: STATUS %#x after DISABLE", tc.name, got)
		}
	}
}

func TestPLLLocksOnlyWithALegalVCO(t *testing.T) {
	cases := []struct {
		name          string
		refdiv, fbdiv uint32
		pwrClear      uint32 // bits cleared in PWR
		crystal       bool
		lock          bool
	}{
		{"125 MHz setup, VCO 1500", 1, 125, pllPD | pllVCOPD, true, true},
		{"VCO 756 just above 750", 1, 63, pllPD | pllVCOPD, true, true},
		{"VCO 1596 just below 1600", 1, 133, pllPD | pllVCOPD, true, true},
		{"VCO 744 below 750", 1, 62, pllPD | pllVCOPD, true, false},
		{"VCO 408: legal before datasheet 1.8 only", 1, 34, pllPD | pllVCOPD, true, false},
		{"VCO 1608 above 1600", 1, 134, pllPD | pllVCOPD, true, false},
		{"FBDIV 321 above 320 (VCO 1605 at 5 MHz)", 2, 321, pllPD | pllVCOPD, true, false},
		{"FBDIV 0 after reset", 1, 0, pllPD | pllVCOPD, true, false},
		{"REFDIV 2: 6 MHz reference", 2, 200, pllPD | pllVCOPD, true, true},
		{"REFDIV 3: 4 MHz reference below 5", 3, 300, pllPD | pllVCOPD, true, false},
		{"REFDIV 0 undefined", 0, 125, pllPD | pllVCOPD, true, false},
		{"VCO left powered down", 1, 125, pllPD, true, false},
		{"main power left down", 1, 125, pllVCOPD, true, false},
		{"no crystal running", 1, 125, pllPD | pllVCOPD, false, false},
	}
	for _, tc := range cases {
		c := rescued(t)
		b := c.Bus(0)
		if tc.crystal {
			run(t, c, []op{
				{addr: aXCTRL, val: xoscEnable<<12 | xoscRange1to15},
				{addr: aXSTATUS, val: xoscStable, mask: xoscStable, poll: true},
			})
		}
		wr(t, b, aRESET|aliasClear, rstPLLSys)
		wr(t, b, aPLLCS, tc.refdiv)
		wr(t, b, aPLLFB, tc.fbdiv)
		wr(t, b, aPLLPWR|aliasClear, tc.pwrClear)
		if rd(t, b, aPLLCS)&pllCSLock != 0 {
			t.Errorf("%s: LOCK at once", tc.name)
		}
		c.clk.Advance(pllLockTime)
		if got := rd(t, b, aPLLCS)&pllCSLock != 0; got != tc.lock {
			t.Errorf("%s: LOCK %v after %v, want %v", tc.name, got, pllLockTime, tc.lock)
		}
		c.clk.Advance(time.Second)
		if got := rd(t, b, aPLLCS)&pllCSLock != 0; got != tc.lock {
			t.Errorf("%s: LOCK %v a second later, want %v", tc.name, got, tc.lock)
		}
	}
}

func TestBlockInResetIgnoresWrites(t *testing.T) {
	cases := []struct {
		name string
		base uint32
		bit  uint32
	}{{"PLL_SYS", pllSysBase, rstPLLSys}, {"PLL_USB", pllUSBBase, rstPLLUSB}}
	for _, tc := range cases {
		c := rescued(t)
		b := c.Bus(0)
		wr(t, b, tc.base+pllFBDIV, 100)
		wr(t, b, tc.base+pllPWR, 0)
		wr(t, b, tc.base+pllPRIM|aliasClear, 0x77000)
		if fb, pwr, prim := rd(t, b, tc.base+pllFBDIV), rd(t, b, tc.base+pllPWR), rd(t, b, tc.base+pllPRIM); fb != 0 || pwr != 0x2D || prim != 0x77000 {
			t.Errorf("%s in reset took writes: FBDIV %d PWR %#x PRIM %#x", tc.name, fb, pwr, prim)
		}
		wr(t, b, aRESET|aliasClear, tc.bit)
		if rd(t, b, aDONE)&tc.bit == 0 {
			t.Errorf("%s: RESET_DONE clear after release", tc.name)
		}
		wr(t, b, tc.base+pllFBDIV, 100)
		if fb := rd(t, b, tc.base+pllFBDIV); fb != 100 {
			t.Errorf("%s out of reset: FBDIV %d, want 100", tc.name, fb)
		}
		// Putting it back in reset restores its reset values.
		wr(t, b, aRESET|aliasSet, tc.bit)
		if fb := rd(t, b, tc.base+pllFBDIV); fb != 0 || rd(t, b, aDONE)&tc.bit != 0 {
			t.Errorf("%s reset again: FBDIV %d, RESET_DONE %#x", tc.name, fb, rd(t, b, aDONE))
		}
	}
}

func TestSwitchToStoppedSourceStalls(t *testing.T) {
	cases := []struct {
		name  string
		setup []op
		addr  uint32 // the switching write
		val   uint32
	}{
		{"clk_sys aux pll_sys unpowered", nil, aSysCtrl, sysAuxPLLSys<<5 | sysSrcAux},
		{"clk_sys aux xosc disabled", nil, aSysCtrl, sysAuxXOSC<<5 | sysSrcAux},
		{"clk_sys aux GPIN0 undriven", nil, aSysCtrl, 4<<5 | sysSrcAux},
		{"clk_ref to xosc disabled (clk_sys on clk_ref)", nil, aRefCtrl, refSrcXOSC},
		{"clk_sys aux pll_sys with an illegal VCO", []op{
			{addr: aXCTRL, val: xoscEnable<<12 | xoscRange1to15},
			{addr: aXSTATUS, val: xoscStable, mask: xoscStable, poll: true},
			{addr: aRESET | aliasClear, val: rstPLLSys},
			{addr: aPLLFB, val: 40},
			{addr: aPLLPWR, val: 0},
		}, aSysCtrl, sysAuxPLLSys<<5 | sysSrcAux},
	}
	for _, tc := range cases {
		c := rescued(t)
		b := c.Bus(0)
		run(t, c, tc.setup)
		wr(t, b, tc.addr, tc.val)
		for range 3 { // it does not come back on its own
			var we *hw.WaitError
			_, _, err := b.Read(aSysSel, 4)
			if !errors.As(err, &we) || we.Until <= c.clk.Now() {
				t.Fatalf("%s: read with clk_sys stopped gave %v, want WAIT", tc.name, err)
			}
			if _, err := b.Write(SRAMBase, 4, 1); !errors.As(err, &we) {
				t.Fatalf("%s: write with clk_sys stopped gave %v, want WAIT", tc.name, err)
			}
			c.clk.AdvanceTo(we.Until)
		}
		if hz := c.SysClockHz(); hz != 0 {
			t.Errorf("%s: clk_sys %d Hz while stopped", tc.name, hz)
		}
		// The rescue DP is outside clk_sys: it restarts the chip.
		r := c.DebugPorts()[2].OnCtrlStat
		r(0x50000000)
		r(0)
		if got := rd(t, b, aSysSel); got != 1 || c.SysClockHz() != 6_500_000 {
			t.Errorf("%s: after rescue SELECTED %#x, clk_sys %d Hz", tc.name, got, c.SysClockHz())
		}
	}
}

func TestSwitchWaitsForPLLLock(t *testing.T) {
	c := rescued(t)
	run(t, c, []op{
		{addr: aXCTRL, val: xoscEnable<<12 | xoscRange1to15},
		{addr: aXSTATUS, val: xoscStable, mask: xoscStable, poll: true},
		{addr: aRESET | aliasClear, val: rstPLLSys},
		{addr: aPLLFB, val: 100},
		{addr: aPLLPRIM, val: 6<<16 | 2<<12},
		{addr: aPLLPWR, val: pllDSMPD}, // all on at once, no wait for LOCK
		{addr: aSysCtrl, val: sysAuxPLLSys<<5 | sysSrcAux},
	})
	lockAt := c.clk.Now() + pllLockTime
	_, _, err := c.Bus(0).Read(aSysSel, 4)
	var we *hw.WaitError
	if !errors.As(err, &we) || we.Until != lockAt {
		t.Fatalf("read during lock: %v, want WAIT until %v", err, lockAt)
	}
	c.clk.AdvanceTo(we.Until)
	if got := rd(t, c.Bus(0), aSysSel); got != 1<<sysSrcAux || c.SysClockHz() != 100_000_000 {
		t.Fatalf("after lock: SELECTED %#x, clk_sys %d Hz, want aux at 100 MHz", got, c.SysClockHz())
	}
}

func TestResetRestoresRingOscillator(t *testing.T) {
	cases := []struct {
		name  string
		boot2 bool
		reset func(c *Chip)
		want  uint32
	}{
		{"rescue DP", false, func(c *Chip) {
			c.DebugPorts()[2].OnCtrlStat(0x50000000)
			c.DebugPorts()[2].OnCtrlStat(0)
		}, 6_500_000},
		{"RUN pin, flash boots", true, func(c *Chip) { c.SetReset(true); c.SetReset(false) }, 6_500_000},
		{"power cycle, flash boots", true, func(c *Chip) { c.SetPower(false); c.SetPower(true) }, 6_500_000},
		// A blank flash sends the bootrom to USB boot, which runs clk_sys
		// from PLL_SYS at 48 MHz (bootrom_main.c _usb_clock_setup).
		{"RUN pin, blank flash", false, func(c *Chip) { c.SetReset(true); c.SetReset(false) }, 48_000_000},
		// AIRCR.SYSRESETREQ resets one core, not the clocks; with a blank
		// flash its bootrom goes to USB boot and sets 48 MHz itself.
		{"SYSRESETREQ, flash boots", true, func(c *Chip) { wr(t, c.Bus(0), 0xE000ED0C, 0x05FA0004) }, 125_000_000},
		{"SYSRESETREQ, blank flash", false, func(c *Chip) { wr(t, c.Bus(0), 0xE000ED0C, 0x05FA0004) }, 48_000_000},
	}
	for _, tc := range cases {
		c := rescued(t)
		if tc.boot2 {
			loadBoot2(c)
		}
		sdkClocksInit(t, c)
		tc.reset(c)
		if hz := c.SysClockHz(); hz != tc.want {
			t.Errorf("%s: clk_sys %d Hz, want %d", tc.name, hz, tc.want)
		}
	}
}

// loadBoot2 puts a boot2 with a good CRC in flash, so the bootrom boots it.
func loadBoot2(c *Chip) {
	var img [256]byte
	crc := crc32MPEG2(img[:252])
	img[252], img[253], img[254], img[255] = byte(crc), byte(crc>>8), byte(crc>>16), byte(crc>>24)
	c.Flash().Load(0, img[:])
}

func TestUSBBootClocks(t *testing.T) {
	c := newChip(t, "") // blank flash: power-on goes to USB boot
	b := c.Bus(0)
	for _, tc := range []struct {
		name       string
		addr, want uint32
	}{
		{"SELECTED aux", aSysSel, 1 << sysSrcAux},
		{"CTRL aux pll_sys", aSysCtrl, sysSrcAux},
		{"clk_ref on rosc", aRefSel, 1},
		{"PLL locked, REFDIV 1", aPLLCS, pllCSLock | 1},
		{"FBDIV 100", aPLLFB, 100},
		{"POSTDIV 5/5", aPLLPRIM, 0x55000},
		{"PLL_SYS out of reset", aDONE, 0},
	} {
		got := rd(t, b, tc.addr)
		if tc.addr == aDONE {
			got &= rstPLLSys
			tc.want = rstPLLSys
		}
		if got != tc.want {
			t.Errorf("%s: %#x = %#08x, want %#08x", tc.name, tc.addr, got, tc.want)
		}
	}
	if hz := c.SysClockHz(); hz != 48_000_000 {
		t.Errorf("USB boot clk_sys %d Hz, want 48 MHz", hz)
	}
}
