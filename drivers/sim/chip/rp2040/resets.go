package rp2040

// RESETS, the subsystem resets (datasheet §2.14; pico-sdk
// hardware/regs/resets.h). Every peripheral block comes out of a chip reset
// held in reset; software releases a block by clearing its RESET bit and
// waits for its RESET_DONE bit. The model gates the blocks whose state it
// keeps for clock generation, PLL_SYS and PLL_USB: while held, their
// registers read as reset values and ignore writes. XOSC and CLOCKS are
// not here: the power-on state machine resets them (§2.13).
const (
	resetsBase = 0x4000C000

	resetsRESET = 0x0
	resetsWDSEL = 0x4
	resetsDONE  = 0x8

	resetsMask    = 0x01FFFFFF // 25 blocks, ADC (bit 0) to USBCTRL (bit 24)
	rstPadsBank0  = 1 << 8
	rstIOQSPI     = 1 << 6
	rstPadsQSPI   = 1 << 9
	rstPLLSys     = 1 << 12
	rstPLLUSB     = 1 << 13
	rstTimer      = 1 << 21
	rstUSBCtrl    = 1 << 24
	rstBootromRun = rstPadsBank0 | rstIOQSPI | rstPadsQSPI | rstTimer // main() and rt0 on every boot
)

type resets struct {
	reset uint32 // RESET: 1 holds the block in reset
	wdsel uint32 // WDSEL: stored; the watchdog is not modeled
}

func (r *resets) init() { *r = resets{reset: resetsMask} }

func (c *Chip) resetsRead(off uint32) uint32 {
	switch off {
	case resetsRESET:
		return c.rst.reset
	case resetsWDSEL:
		return c.rst.wdsel
	case resetsDONE:
		// The model's blocks come out of reset at once: a debugger's next
		// access is microseconds later, the hardware needs a few cycles.
		return ^c.rst.reset & resetsMask
	}
	return 0
}

func (c *Chip) resetsWrite(off, v, alias uint32) {
	switch off {
	case resetsRESET:
		c.setResets(atomic(c.rst.reset, v, alias) & resetsMask)
	case resetsWDSEL:
		c.rst.wdsel = atomic(c.rst.wdsel, v, alias) & resetsMask
	}
}

// setResets applies a new RESET value: a block newly put in reset loses
// its state at once.
func (c *Chip) setResets(v uint32) {
	c.settleClocks() // the muxes see the PLLs as they were until now
	asserted := v &^ c.rst.reset
	c.rst.reset = v
	if asserted&rstPLLSys != 0 {
		c.pllSys.init()
	}
	if asserted&rstPLLUSB != 0 {
		c.pllUSB.init()
	}
}

// inReset reports whether the block with reset bit b is held in reset.
func (c *Chip) inReset(b uint32) bool { return c.rst.reset&b != 0 }
