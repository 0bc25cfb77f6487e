package rp2040

import (
	"math/bits"

	"github.com/flashstation/flashstation/drivers/sim/chip/cortexm"
)

// Flash commands the bootrom sends (program_flash_generic.c).
const (
	flashPageProgram = 0x02
	flashReadStatus  = 0x05
	flashWriteEnable = 0x06
	flashSectorErase = 0x20
	sectorSize       = 4096
	pageSize         = 256
)

// onResume runs whenever a core is let go: at a bootrom entry with LR at
// a BKPT, the call runs (flashcall.go) and the core halts at the BKPT when
// it returns.
func (c *Chip) onResume(k *cortexm.Core) {
	i := 0
	if k == c.cores[1] {
		i = 1
	}
	if c.resumeCall(i, k) {
		return
	}
	pc := k.Reg(cortexm.RegPC)
	v := &c.views[i]
	if c.isBkpt(v, pc) {
		k.HaltAt(pc, cortexm.HaltBkpt)
		return
	}
	if pc >= ROMSize {
		return // code in RAM or flash: firmware runs
	}
	f := c.romFn[pc/2]
	if f == fnStart {
		c.boot(i, k)
		return
	}
	lr := k.Reg(cortexm.RegLR)
	if f == fnTrampoline {
		// DT: r7 |= 1 (r6 = 1), blx r7, returning to DE's bkpt.
		r7 := k.Reg(7) | 1
		k.SetReg(6, 1)
		k.SetReg(7, r7)
		if r7 >= ROMSize {
			return
		}
		f, lr = c.romFn[(r7&^1)/2], trampolineEnd()|1
	}
	if f == fnNone || k.Reg(cortexm.RegXPSR)&(1<<24) == 0 || !c.isBkpt(v, lr&^1) {
		return // not a call the model can finish: the core just runs
	}
	if j := c.timed(k, f); j != nil {
		c.startCall(i, k, f, lr&^1, j)
		return
	}
	if c.perform(v, k, f) {
		k.HaltAt(lr&^1, cortexm.HaltBkpt)
	}
}

// timed returns the steps of f when it drives the flash over SPI (EX, RE,
// RP), which takes modeled time; nil for the functions the model
// completes at once: a few hundred cycles at most (table_lookup, the bit
// functions, IF, FC, CX), well under one SWD transaction.
func (c *Chip) timed(k *cortexm.Core, f fn) *flashCall {
	r := k.Reg
	switch f {
	case fnExitXIP:
		c.interfere() // flash_init_spi disables the SSI under any call
		c.initSPI()
		return &flashCall{more: exitXIPOps}
	case fnRangeErase:
		c.interfere()
		return &flashCall{more: eraseOps, addr: r(0), goal: r(0) + r(1), blockSize: r(2), blockCmd: byte(r(3))}
	case fnRangeProgram:
		c.interfere()
		return &flashCall{more: programOps, addr: r(0), goal: r(0) + r(2), data: r(1)}
	}
	return nil
}

// isBkpt reports whether a BKPT instruction (0xBExx) sits at a.
func (c *Chip) isBkpt(v *view, a uint32) bool {
	h, _, err := v.read(a&^1, 2)
	return err == nil && h&0xFF00 == 0xBE00
}

// perform does f's work and reports whether it returns (false: it never
// comes back, e.g. a hang, a reboot, or a fault in the function).
func (c *Chip) perform(v *view, k *cortexm.Core, f fn) bool {
	r := func(n int) uint32 { return k.Reg(n) }
	switch f {
	case fnLookup:
		return c.tableLookup(v, k)
	case fnPopcount:
		k.SetReg(0, uint32(bits.OnesCount32(r(0))))
	case fnReverse:
		k.SetReg(0, bits.Reverse32(r(0)))
	case fnCLZ:
		k.SetReg(0, uint32(bits.LeadingZeros32(r(0))))
	case fnCTZ:
		k.SetReg(0, uint32(bits.TrailingZeros32(r(0))))
	case fnMemset, fnMemset4:
		for n := uint32(0); n < r(2); n++ {
			if _, err := v.write(r(0)+n, 1, r(1)&0xFF); err != nil {
				return false
			}
		}
	case fnMemcpy, fnMemcpy44:
		for n := uint32(0); n < r(2); n++ {
			b, _, err := v.read(r(1)+n, 1)
			if err != nil {
				return false
			}
			if _, err := v.write(r(0)+n, 1, b); err != nil {
				return false
			}
		}
	case fnConnectFlash:
		c.interfere()
		// Reset IO_QSPI and PADS_QSPI, select the XIP function on the pins.
		if c.ssi.cs {
			c.flash.Deselect()
		}
		c.ssi.ioqspi, c.ssi.cs = [12]uint32{}, false
		c.rst.reset &^= rstIOQSPI | rstPadsQSPI
	case fnFlushCache:
		c.interfere()
		c.xip.flush() // flash_flush_cache writes XIP_CTRL.FLUSH
		c.setOutover(0)
	case fnEnterCmdXIP:
		c.interfere()
		c.enterCmdXIP()
	case fnEnableClocks:
	default:
		return false // wait_for_vector, reset_usb_boot, _dead: no return
	}
	return true
}

// tableLookup walks {u16 code, u16 value} pairs from r0 until code r1 or a
// zero code, as the ROM's table_lookup does, through the core's bus.
func (c *Chip) tableLookup(v *view, k *cortexm.Core) bool {
	p, want := k.Reg(0), k.Reg(1)
	for {
		cd, _, err := v.read(p, 2)
		if err != nil {
			return false // HardFault in the ROM: no return
		}
		if cd == 0 {
			k.SetReg(0, 0)
			return true
		}
		val, _, err := v.read(p+2, 2)
		if err != nil {
			return false
		}
		p += 4
		if cd == want {
			k.SetReg(0, val)
			return true
		}
	}
}
