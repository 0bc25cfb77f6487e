package rp2040

import (
	"time"

	"github.com/flashstation/flashstation/drivers/sim/clock"
)

// XOSC, the crystal oscillator (datasheet §2.16; pico-sdk
// hardware/regs/xosc.h). The board has a 12 MHz crystal (Config.XoscHz).
const (
	xoscBase = 0x40024000

	xoscCTRL    = 0x00
	xoscSTATUS  = 0x04
	xoscDORMANT = 0x08
	xoscSTARTUP = 0x0C

	xoscEnableShift = 12 // CTRL.ENABLE [23:12]
	xoscEnable      = 0xFAB
	xoscDisable     = 0xD1E
	xoscRange1to15  = 0xAA0 // CTRL.FREQ_RANGE: the only range; it cannot change
	xoscStable      = 1 << 31
	xoscBadWrite    = 1 << 24
	xoscEnabled     = 1 << 12
	xoscStartupMask = 0x00103FFF // X4 [20], DELAY [13:0]
	xoscStartupX4   = 1 << 20
	xoscDormantCode = 0x636F6D61 // "coma"
	xoscWakeCode    = 0x77616B65 // "wake"
	xoscStartupInit = 0xC4       // DELAY at power-up: about 50,000 cycles
)

// never is a start time that does not come under the current settings.
const never = time.Duration(1<<63 - 1)

type xosc struct {
	enable   uint32 // CTRL.ENABLE as last written (DISABLE at power-up)
	startup  uint32
	dormant  uint32
	badWrite bool
	on       bool          // enabled (STATUS.ENABLED)
	onAt     time.Duration // when it was enabled
	stableAt time.Duration // end of the startup count, or never
}

func (x *xosc) init() {
	*x = xosc{enable: xoscDisable, startup: xoscStartupInit, dormant: xoscWakeCode, stableAt: never}
}

// xoscDelay is STARTUP in time: DELAY × 256 crystal periods, ×4 with X4
// (§2.16.3).
func (c *Chip) xoscDelay() time.Duration {
	n := int(c.xo.startup&0x3FFF) * 256
	if c.xo.startup&xoscStartupX4 != 0 {
		n *= 4
	}
	return clock.Bits(n, c.cfg.XoscHz)
}

// xoscStart is when the crystal's output became usable: the startup
// counter gates it until STABLE (§2.16.3). never while disabled or dormant.
func (c *Chip) xoscStart() time.Duration { return c.xo.stableAt }

func (c *Chip) xoscRead(off uint32) uint32 {
	x := &c.xo
	switch off {
	case xoscCTRL:
		return x.enable<<xoscEnableShift | xoscRange1to15
	case xoscSTATUS:
		var s uint32 // FREQ_RANGE [1:0] reads 0: 1–15 MHz
		if x.on {
			s |= xoscEnabled
		}
		if c.clk.Now() >= x.stableAt {
			s |= xoscStable
		}
		if x.badWrite {
			s |= xoscBadWrite
		}
		return s
	case xoscDORMANT:
		return x.dormant
	case xoscSTARTUP:
		return x.startup
	}
	return 0 // COUNT is not modeled
}

func (c *Chip) xoscWrite(off, v, alias uint32) {
	c.settleClocks()
	x := &c.xo
	switch off {
	case xoscCTRL:
		v = atomic(x.enable<<xoscEnableShift|xoscRange1to15, v, alias)
		// FREQ_RANGE only takes 0xAA0–0xAA3, which change nothing; any
		// other value is a bad write and is ignored.
		if r := v & 0xFFF; r&^3 != xoscRange1to15 {
			x.badWrite = true
		}
		x.enable = v >> xoscEnableShift & 0xFFF
		switch x.enable {
		case xoscDisable:
			x.on, x.stableAt = false, never
		case xoscEnable:
			c.xoscOn()
		default:
			// "An invalid setting will enable the oscillator."
			x.badWrite = true
			c.xoscOn()
		}
	case xoscSTATUS:
		if alias != 3 && v&xoscBadWrite != 0 { // BADWRITE is write-1-to-clear
			x.badWrite = false
		}
	case xoscDORMANT:
		v = atomic(x.dormant, v, alias)
		switch v {
		case xoscDormantCode:
			// Paused until an interrupt wakes it; the model has none.
			x.dormant, x.stableAt = v, never
		case xoscWakeCode:
			if x.dormant == xoscDormantCode && x.on {
				x.stableAt = c.clk.Now() + c.xoscDelay() // restarts as from enable
			}
			x.dormant = v
		default:
			x.badWrite, x.dormant = true, xoscWakeCode
		}
	case xoscSTARTUP:
		x.startup = atomic(x.startup, v, alias) & xoscStartupMask
		// The counter compares against DELAY: a new value counts from the
		// enable, unless the crystal is already stable.
		if x.on && c.clk.Now() < x.stableAt && x.dormant != xoscDormantCode {
			x.stableAt = x.onAt + c.xoscDelay()
		}
	}
}

func (c *Chip) xoscOn() {
	x := &c.xo
	if x.on {
		return
	}
	x.on, x.onAt = true, c.clk.Now()
	x.stableAt = x.onAt + c.xoscDelay()
	if x.dormant == xoscDormantCode {
		x.stableAt = never
	}
}
