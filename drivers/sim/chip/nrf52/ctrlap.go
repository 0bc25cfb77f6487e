package nrf52

import "github.com/flashstation/flashstation/drivers/sim/hw"

// CTRL-AP registers (PS §6.x "CTRL-AP - Control access port").
const (
	capReset           = 0x000
	capEraseAll        = 0x004
	capEraseAllStatus  = 0x008
	capAPProtectStatus = 0x00C
	capIDR             = 0x0FC
)

// ctrlAP stays reachable while APPROTECT blocks the AHB-AP: it is how a
// locked chip is recovered.
type ctrlAP struct {
	c *Chip
}

var _ hw.AP = (*ctrlAP)(nil)

func (a *ctrlAP) ReadAP(reg uint8) (uint32, error) {
	c := a.c
	if !c.powered {
		return 0, hw.ErrBusFault
	}
	switch reg {
	case capReset:
		if c.softReset {
			return 1, nil
		}
	case capEraseAll:
		if c.eraseReq {
			return 1, nil
		}
	case capEraseAllStatus:
		if c.busy() {
			return 1, nil
		}
	case capAPProtectStatus:
		if !c.protected {
			return 1, nil // 1 = protection disabled
		}
	case capIDR:
		return CtrlAPIDR, nil
	}
	return 0, nil
}

func (a *ctrlAP) WriteAP(reg uint8, v uint32) error {
	c := a.c
	if !c.powered {
		return hw.ErrBusFault
	}
	switch reg {
	case capReset:
		on := v&1 != 0
		if on == c.softReset {
			return nil
		}
		c.softReset = on
		if on {
			c.core.SetResetLine(true)
		} else {
			c.core.SetResetLine(false) // resets the core from the vectors
			c.latch()
		}
	case capEraseAll:
		c.eraseReq = v&1 != 0
		if c.eraseReq {
			c.eraseAll()
			// CTRL-AP ERASEALL is "Erase all flash and RAM" (PS, CTRL-AP
			// registers; sdk-nrf doc/nrf/security/ap_protect.rst: "erases
			// the flash, UICR, and RAM"); the NVMC's ERASEALL leaves RAM.
			// The PS gives no value for erased RAM: the model reads zeros.
			clear(c.ram)
			if c.rev3 {
				c.protected = false // open until the next reset
			}
		}
	}
	return nil
}
