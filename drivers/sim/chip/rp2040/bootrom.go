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
// a BKPT, the call's effect happens and the core halts at the BKPT.
func (c *Chip) onResume(k *cortexm.Core) {
	i := 0
	if k == c.cores[1] {
		i = 1
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
	if c.perform(v, k, f) {
		k.HaltAt(lr&^1, cortexm.HaltBkpt)
	}
}

// isBkpt reports whether a BKPT instruction (0xBExx) sits at a.
func (c *Chip) isBkpt(v *view, a uint32) bool {
	h, _, err := v.Read(a&^1, 2)
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
			if _, err := v.Write(r(0)+n, 1, r(1)&0xFF); err != nil {
				return false
			}
		}
	case fnMemcpy, fnMemcpy44:
		for n := uint32(0); n < r(2); n++ {
			b, _, err := v.Read(r(1)+n, 1)
			if err != nil {
				return false
			}
			if _, err := v.Write(r(0)+n, 1, b); err != nil {
				return false
			}
		}
	case fnConnectFlash:
		// Reset IO_QSPI and PADS_QSPI, select the XIP function on the pins.
		if c.ssi.cs {
			c.flash.Deselect()
		}
		c.ssi.ioqspi, c.ssi.cs = [12]uint32{}, false
		c.rst.reset &^= rstIOQSPI | rstPadsQSPI
	case fnExitXIP:
		c.exitXIP()
	case fnRangeErase:
		return c.rangeErase(r(0), r(1), r(2), byte(r(3)))
	case fnRangeProgram:
		return c.rangeProgram(v, r(0), r(1), r(2))
	case fnFlushCache:
		c.xip.line = noLine
		c.setOutover(0)
	case fnEnterCmdXIP:
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
		cd, _, err := v.Read(p, 2)
		if err != nil {
			return false // HardFault in the ROM: no return
		}
		if cd == 0 {
			k.SetReg(0, 0)
			return true
		}
		val, _, err := v.Read(p+2, 2)
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

// exitXIP: flash_init_spi, then the 32 clocks with /CS high, 32 with /CS
// low (IO pulled high: 0xFF bytes), and 0xFF 0xFF with /CS low, which takes
// a flash out of continuous-read mode; /CS back to the SSI.
func (c *Chip) exitXIP() {
	c.initSPI()
	c.setOutover(outoverHigh)
	c.spiIdle(4)
	c.setOutover(outoverLow)
	c.spiTx(0xFF, 0xFF, 0xFF, 0xFF)
	c.setOutover(outoverHigh)
	c.setOutover(outoverLow)
	c.spiTx(0xFF, 0xFF)
	c.setOutover(0)
}

// spiTx clocks bytes to the selected flash at the SSI rate.
func (c *Chip) spiTx(b ...byte) {
	for _, x := range b {
		c.clk.Advance(c.spiByteTime())
		c.flash.Transfer(x)
	}
}

func (c *Chip) spiIdle(n int) { c.clk.Advance(c.spiByteTime() * timeN(n)) }

// cmdAddr sends a command and 24-bit address the way flash_put_cmd_addr
// does: addr |= cmd << 24, then the top four bytes. An offset at or above
// 16 MiB (say, an XIP address passed by mistake) corrupts the opcode.
func (c *Chip) cmdAddr(cmd byte, addr uint32) {
	c.setOutover(outoverLow)
	addr |= uint32(cmd) << 24
	c.spiTx(byte(addr>>24), byte(addr>>16), byte(addr>>8), byte(addr))
}

// waitReady polls status 05h until BUSY clears.
func (c *Chip) waitReady() {
	for {
		c.setOutover(outoverLow)
		c.spiTx(flashReadStatus)
		c.clk.Advance(c.spiByteTime())
		st := c.flash.Transfer(0)
		c.setOutover(outoverHigh)
		if st&1 == 0 {
			return
		}
		c.flash.WaitIdle() // the loop spins until then
	}
}

func (c *Chip) writeEnable() {
	c.setOutover(outoverLow)
	c.spiTx(flashWriteEnable)
	c.setOutover(outoverHigh)
}

// rangeErase is flash_range_erase: no alignment checks; a block command
// where the address is block aligned and a whole block remains, else a
// 4 KiB sector erase at addr (the flash erases the sector holding it).
func (c *Chip) rangeErase(addr, count, blockSize uint32, blockCmd byte) bool {
	goal := addr + count
	for addr < goal {
		if addr&(blockSize-1) == 0 && goal-addr >= blockSize {
			c.userErase(addr, blockCmd)
			if blockSize == 0 {
				return false // addr never advances: the real loop spins forever
			}
			addr += blockSize
		} else {
			c.userErase(addr, flashSectorErase)
			addr += sectorSize
		}
	}
	return true
}

func (c *Chip) userErase(addr uint32, cmd byte) {
	c.writeEnable()
	c.cmdAddr(cmd, addr)
	c.setOutover(outoverHigh)
	c.waitReady()
}

// rangeProgram is flash_range_program: whole 256-byte pages from data
// (count rounded up), page program at addr each time. An unaligned addr
// wraps inside the flash page, as the chip does.
func (c *Chip) rangeProgram(v *view, addr, data, count uint32) bool {
	goal := addr + count
	for addr < goal {
		c.writeEnable()
		c.cmdAddr(flashPageProgram, addr)
		for n := uint32(0); n < pageSize; n++ {
			b, _, err := v.Read(data+n, 1)
			if err != nil {
				c.setOutover(outoverHigh)
				return false // the ROM faults reading the buffer
			}
			c.spiTx(byte(b))
		}
		c.setOutover(outoverHigh)
		c.waitReady()
		addr += pageSize
		data += pageSize
	}
	return true
}
