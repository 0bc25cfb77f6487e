package rp2040

import (
	"encoding/binary"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// Peripheral registers the model implements (datasheet §2.20 SYSINFO,
// §2.10, §2.19; clocks.go, resets.go, xosc.go, pll.go for §2.14–§2.18). APB blocks have atomic aliases at +0x1000 (XOR), +0x2000 (set),
// +0x3000 (clear) (§2.1.2).
const (
	sysinfoBase   = 0x40000000
	ioQSPIBase    = 0x40018000
	vregBase      = 0x40064000
	chipResetOff  = 0x008
	ssCtrlOff     = 0x00C
	sioBase       = 0xD0000000
	ppbBase       = 0xE0000000
	platformASIC  = 0x2 // SYSINFO.PLATFORM: ASIC, not FPGA
	sysinfoGitRef = 0x040

	hadPOR         = 1 << 8
	hadRun         = 1 << 16
	hadPSMRestart  = 1 << 20
	psmRestartFlag = 1 << 24
)

// view is one core's system bus: the PPB and SIO are private to each core.
type view struct {
	c    *Chip
	core uint32
}

var _ hw.Bus = (*view)(nil)

func le(b []byte, size int) uint32 {
	switch size {
	case 1:
		return uint32(b[0])
	case 2:
		return uint32(binary.LittleEndian.Uint16(b))
	}
	return binary.LittleEndian.Uint32(b)
}

func put(b []byte, size int, v uint32) {
	switch size {
	case 1:
		b[0] = byte(v)
	case 2:
		binary.LittleEndian.PutUint16(b, uint16(v))
	default:
		binary.LittleEndian.PutUint32(b, v)
	}
}

// lane extracts a size-wide value at addr from the word w holding it.
func lane(w, addr uint32, size int) uint32 {
	sh := (addr & 3) * 8
	if size == 4 {
		return w
	}
	return (w >> sh) & (1<<(uint(size)*8) - 1)
}

// Read is a debugger (AHB-AP) read: a bootrom call in progress first
// catches up with the clock, so the access sees the chip as it is now.
func (v *view) Read(addr uint32, size int) (uint32, time.Duration, error) {
	v.c.catchUp()
	return v.read(addr, size)
}

// Write is a debugger (AHB-AP) write. A write to the core's debug
// registers may halt it in the middle of a bootrom call.
func (v *view) Write(addr uint32, size int, val uint32) (time.Duration, error) {
	v.c.catchUp()
	d, err := v.write(addr, size, val)
	if addr>>28 == 0xE {
		v.c.noteHalt(int(v.core))
	}
	return d, err
}

// read is the core's own bus; bootrom calls use it at their steps' times.
func (v *view) read(addr uint32, size int) (uint32, time.Duration, error) {
	c := v.c
	if !c.powered {
		return 0, 0, hw.ErrBusFault
	}
	if err := c.sysStall(); err != nil {
		return 0, 0, err
	}
	switch addr >> 28 {
	case 0x0:
		if addr < ROMSize {
			return le(c.rom[addr:], size), 0, nil
		}
	case 0x1:
		if addr < xipCtrlBase {
			return c.xipRead(addr, size)
		}
		if addr-SSIBase < 0x100 {
			return lane(c.ssiRead(addr&0xFC), addr, size), 0, nil
		}
		if addr&^0xFFF == xipCtrlBase {
			return lane(c.xipCtrlRead(addr&0xFFC), addr, size), 0, nil
		}
	case 0x2:
		if off := addr - SRAMBase; off < SRAMSize {
			return le(c.sram[off:], size), 0, nil
		}
	case 0x4, 0x5:
		return lane(c.periphRead(addr&^3), addr, size), 0, nil
	case 0xD:
		if addr&^3 == sioBase {
			return lane(v.core, addr, size), 0, nil // SIO CPUID
		}
		return 0, 0, nil
	case 0xE:
		if addr < ppbBase+0x100000 {
			return c.cores[v.core].Bus().Read(addr, size)
		}
	}
	return 0, 0, hw.ErrBusFault
}

func (v *view) write(addr uint32, size int, val uint32) (time.Duration, error) {
	c := v.c
	if !c.powered {
		return 0, hw.ErrBusFault
	}
	if err := c.sysStall(); err != nil {
		return 0, err
	}
	switch addr >> 28 {
	case 0x1:
		if addr < xipCtrlBase {
			return 0, c.xipWrite(addr) // the flash never changes through XIP
		}
		if addr-SSIBase < 0x100 {
			c.ssiWrite(addr&0xFC, val<<((addr&3)*8))
			return 0, nil
		}
		if addr&^0xFFF == xipCtrlBase {
			// AHB-Lite: a narrow write changes only its byte lanes.
			w, sh := val, (addr&3)*8
			if size < 4 {
				m := uint32(1)<<(uint(size)*8) - 1
				w = c.xipCtrlRead(addr&0xFFC)&^(m<<sh) | (val&m)<<sh
			}
			c.xipCtrlWrite(addr&0xFFC, w)
			return 0, nil
		}
	case 0x2:
		if off := addr - SRAMBase; off < SRAMSize {
			put(c.sram[off:], size, val)
			return 0, nil
		}
	case 0x4, 0x5:
		// Narrow writes to APB registers replicate across the word (§2.1.4).
		w := val
		if size == 1 {
			w = val & 0xFF * 0x01010101
		} else if size == 2 {
			w = val&0xFFFF | val<<16
		}
		c.periphWrite(addr&^3, w)
		return 0, nil
	case 0xD:
		return 0, nil
	case 0xE:
		if addr < ppbBase+0x100000 {
			return c.cores[v.core].Bus().Write(addr, size, val)
		}
	}
	return 0, hw.ErrBusFault
}

// fetch reads a vector for the core at reset.
func (v *view) fetch(addr uint32) (uint32, error) {
	w, _, err := v.read(addr, 4)
	return w, err
}

func (c *Chip) periphRead(a uint32) uint32 {
	base, off := a&^0x3FFF, a&0xFFF // aliases read as the register
	switch base {
	case sysinfoBase:
		switch off {
		case 0:
			return c.chipID
		case 4:
			return platformASIC
		case sysinfoGitRef:
			return gitRev
		}
	case ioQSPIBase:
		if off < 0x30 {
			return c.ssi.ioqspi[off/4]
		}
	case clocksBase:
		return c.clocksRead(off)
	case resetsBase:
		return c.resetsRead(off)
	case xoscBase:
		return c.xoscRead(off)
	case pllSysBase, pllUSBBase:
		return c.pllRead(base, off)
	case vregBase:
		if off == chipResetOff {
			return c.chipReset
		}
	}
	return 0 // other peripherals are not modeled: read as zero
}

func (c *Chip) periphWrite(a, v uint32) {
	base, off, alias := a&^0x3FFF, a&0xFFF, (a>>12)&3
	switch base {
	case ioQSPIBase:
		if off < 0x30 {
			c.interfere()
			r := &c.ssi.ioqspi[off/4]
			*r = atomic(*r, v, alias)
			if off == ssCtrlOff {
				c.applyCS()
			}
		}
	case clocksBase:
		c.clocksWrite(off, v, alias)
	case resetsBase:
		c.resetsWrite(off, v, alias)
	case xoscBase:
		c.xoscWrite(off, v, alias)
	case pllSysBase, pllUSBBase:
		c.pllWrite(base, off, v, alias)
	case vregBase:
		if off == chipResetOff {
			// Only PSM_RESTART_FLAG is writable, and it is write-1-to-clear.
			if alias == 3 {
				return // a clear-alias write of 1s clears nothing in a WC bit
			}
			c.chipReset &^= v & psmRestartFlag
		}
	}
}

// atomic applies an APB alias: 0 write, 1 XOR, 2 set, 3 clear.
func atomic(cur, v, alias uint32) uint32 {
	switch alias {
	case 1:
		return cur ^ v
	case 2:
		return cur | v
	case 3:
		return cur &^ v
	}
	return v
}
