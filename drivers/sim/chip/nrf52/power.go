package nrf52

import "encoding/binary"

// pselReset18 is PSELRESET selecting P0.18 with CONNECT = 0.
const pselReset18 = 18

// SetPower switches the supply. Off loses RAM and core state and aborts a
// running NVMC operation (what was already erased or written stays); the
// flash and UICR keep their contents.
func (c *Chip) SetPower(on bool) {
	if !on {
		c.powered = false
		c.core.PowerOff()
		clear(c.ram)
		c.nvmc = nvmc{}
		c.softReset, c.eraseReq, c.pinReset = false, false, false
		return
	}
	if c.powered {
		return
	}
	c.powered = true
	c.latch()
	c.core.PowerOn()
}

// SetReset drives nRESET (P0.18). It has an effect only when UICR
// PSELRESET[0] and [1] both connect P0.18; otherwise the pin is a GPIO.
func (c *Chip) SetReset(asserted bool) {
	if !c.powered || !c.pinResetConnected() || asserted == c.pinReset {
		return
	}
	c.pinReset = asserted
	if asserted {
		c.core.SetResetLine(true)
		return
	}
	c.nvmc.config = 0
	c.latch()
	c.core.SetResetLine(false)
}

func (c *Chip) pinResetConnected() bool {
	p0 := binary.LittleEndian.Uint32(c.uicr[UICRPSELReset:])
	p1 := binary.LittleEndian.Uint32(c.uicr[UICRPSELReset+4:])
	return p0 == p1 && p0>>31 == 0 && p0&0x3F == pselReset18
}

// systemReset is AIRCR.SYSRESETREQ: a soft reset of the whole chip.
func (c *Chip) systemReset() {
	c.nvmc.config = 0
	c.latch()
	c.core.Reset()
}

// latch evaluates APPROTECT as the chip does coming out of reset.
func (c *Chip) latch() {
	c.disabled, c.forced = false, false
	c.relatch()
}

// relatch applies the revision's rule to the UICR and the DISABLE register.
func (c *Chip) relatch() {
	pall := c.uicr[UICRAPProtect]
	if !c.rev3 {
		c.protected = pall != 0xFF
		return
	}
	c.protected = c.forced || !(pall == approtectKey && c.disabled)
}
