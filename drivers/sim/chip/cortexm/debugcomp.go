package cortexm

import "time"

// dwt holds the Data Watchpoint and Trace unit's writable state (ARMv7-M ARM
// C1.8.7). Comparators only store what the debugger writes: no data access
// is executed, so they never match.
type dwt struct {
	ctrl   uint32
	cyccnt uint32
	comp   [4][3]uint32 // COMP, MASK, FUNCTION per comparator
}

// fpb holds the Flash Patch and Breakpoint unit (v7-M, C1.11) or the
// Breakpoint Unit (v6-M, C1.10): FP_CTRL.ENABLE and the comparators.
type fpb struct {
	enable bool
	remap  uint32
	comp   [8]uint32
}

func (c *Core) dwtComps() int {
	if c.v6 {
		return 2
	}
	return 4
}

// cycAccumulate folds the time the core ran into DWT_CYCCNT when it stops.
func (c *Core) cycAccumulate() {
	if c.dwt.ctrl&1 == 0 {
		return
	}
	c.dwt.cyccnt += c.cyclesSince()
}

func (c *Core) cyclesSince() uint32 {
	d := c.cfg.Clock.Now() - time.Duration(c.runSince)
	return uint32(uint64(d) * uint64(c.cfg.CoreHz) / uint64(time.Second))
}

func (c *Core) dwtRead(a uint32) uint32 {
	off := a - 0xE0001000
	switch {
	case off == 0x000:
		return uint32(c.dwtComps())<<28 | c.dwt.ctrl
	case off == 0x004 && !c.v6:
		if c.Running() && c.dwt.ctrl&1 != 0 {
			return c.dwt.cyccnt + c.cyclesSince()
		}
		return c.dwt.cyccnt
	case off >= 0x020 && off < 0x020+uint32(c.dwtComps())*16 && off&0xF < 0xC:
		return c.dwt.comp[(off-0x20)/16][(off&0xF)/4]
	}
	return 0
}

func (c *Core) dwtWrite(a, v uint32) {
	off := a - 0xE0001000
	switch {
	case off == 0x000 && !c.v6:
		if c.Running() && c.dwt.ctrl&1 != 0 {
			c.dwt.cyccnt += c.cyclesSince()
		}
		c.runSince = int64(c.cfg.Clock.Now())
		c.dwt.ctrl = v & 0x0FFFFFFF
	case off == 0x004 && !c.v6:
		c.dwt.cyccnt = v
		c.runSince = int64(c.cfg.Clock.Now())
	case off >= 0x020 && off < 0x020+uint32(c.dwtComps())*16 && off&0xF < 0xC:
		c.dwt.comp[(off-0x20)/16][(off&0xF)/4] = v
	}
}

func (c *Core) fpbCodeComps() int {
	switch {
	case c.v6:
		return 4
	case c.part == 0xC27:
		return 8 // Cortex-M7: OpenOCD "stm32h7x.cpu0: hardware has 8 breakpoints, 4 watchpoints" (mbed-os#43)
	}
	return 6
}

func (c *Core) fpbComps() int {
	if c.v6 {
		return 4
	}
	return 8 // 6 code + 2 literal; the M7's 8 are all code
}

func (c *Core) fpbRead(a uint32) uint32 {
	off := a - 0xE0002000
	switch {
	case off == 0x000:
		v := uint32(c.fpbCodeComps()) << 4
		if !c.v6 && c.part != 0xC27 {
			v |= 2 << 8 // NUM_LIT; the M7 has no literal comparators
		}
		if c.fpb.enable {
			v |= 1
		}
		return v
	case off == 0x004 && !c.v6:
		return c.fpb.remap
	case off >= 0x008 && off < 0x008+uint32(c.fpbComps())*4:
		return c.fpb.comp[(off-8)/4]
	}
	return 0
}

func (c *Core) fpbWrite(a, v uint32) {
	off := a - 0xE0002000
	switch {
	case off == 0x000:
		if v&2 != 0 { // KEY must be written as 1 for the write to take
			c.fpb.enable = v&1 != 0
		}
	case off == 0x004 && !c.v6:
		c.fpb.remap = v & 0x1FFFFFE0
	case off >= 0x008 && off < 0x008+uint32(c.fpbComps())*4:
		c.fpb.comp[(off-8)/4] = v
	}
}

func (c *Core) romPart() uint32 {
	switch c.part {
	case 0xC24:
		return 0x4C4
	case 0xC27:
		return 0x4C7 // pyOCD#1499: "<e00ff000:ROM class=1 designer=43b:Arm part=4c7>"
	case 0xC20:
		return 0x471
	case 0xC60:
		return 0x4C0
	}
	return 0x4C3
}

// romRead serves the ROM table at 0xE00FF000 (ARMv7-M ARM B3.1.2 Table
// B3-2): entries point at SCS, DWT, FPB, ITM, TPIU (ETM absent).
func (c *Core) romRead(a uint32) uint32 {
	off := a - 0xE00FF000
	switch off {
	case 0x000:
		return 0xFFF0F003 // SCS
	case 0x004:
		return 0xFFF02003 // DWT
	case 0x008:
		return 0xFFF03003 // FPB / BPU
	case 0x00C:
		if c.v6 {
			return 0
		}
		return 0xFFF01003 // ITM
	case 0x010:
		if c.v6 {
			return 0
		}
		if c.part == 0xC27 {
			return 0xFFF41002 // TPIU: not present in the M7's table (probe-rs#394)
		}
		return 0xFFF41003 // TPIU
	case 0x014:
		if c.v6 {
			return 0
		}
		if c.hasETM() {
			return 0xFFF42003 // ETM (Cortex-M4 parts)
		}
		return 0xFFF42002 // ETM: not present
	case 0xFCC:
		return 1 // MEMTYPE.SYSMEM: system memory on this bus
	}
	if off >= 0xFD0 {
		if c.cfg.ROMPart != 0 {
			return peripheralID(a, c.cfg.ROMPart, 0, c.cfg.ROMJEP106, 1)
		}
		return peripheralID(a, c.romPart(), 0, jepARM, 1)
	}
	return 0
}

// jepARM is ARM's JEP106 code: continuation 4, identity 0x3B.
const jepARM = 4<<8 | 0x3B

// peripheralID returns the PIDR4..7/PIDR0..3/CIDR0..3 word at a (offsets
// 0xFD0–0xFFC of a 4 KiB component; CoreSight Architecture D1.2); rev is
// PIDR2's REVISION field.
func peripheralID(a, part, rev uint32, jep uint16, class uint32) uint32 {
	cont, id := uint32(jep>>8), uint32(jep&0x7F)
	switch a & 0xFFF {
	case 0xFD0:
		return cont & 0xF // PIDR4: JEP106 continuation, 4 KiB
	case 0xFE0:
		return part & 0xFF
	case 0xFE4:
		return (part>>8)&0xF | (id&0xF)<<4
	case 0xFE8:
		return (id>>4)&0x7 | 0x8 | (rev&0xF)<<4 // JEDEC-assigned ID in use
	case 0xFF0:
		return 0x0D
	case 0xFF4:
		return class << 4
	case 0xFF8:
		return 0x05
	case 0xFFC:
		return 0xB1
	}
	return 0
}
