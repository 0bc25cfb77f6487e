package stm32h7

import (
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/stm32x"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// stROM is ST's ROM table at 0xE00FE000, AP0's BASE (RM0433 §60.4.2;
// pyOCD#1499 on an STM32H745: "ROM table #0 @ 0xe00fe000 (designer=020:ST
// part=450)" with entries "[0]<e00ff000:ROM ... part=4c7>", "[1]<e0041000:
// ETM M7 ... part=975>", "[2]<e0043000:CTI ... part=906>").
type stROM struct{}

func (stROM) Read(off uint32, size int) (uint32, time.Duration, error) {
	w := uint32(0)
	switch off &^ 3 {
	case 0x000:
		w = 0x00001003 // +0x1000: the Cortex-M7 ROM table
	case 0x004:
		w = 0xFFF43003 // -0xBD000: ETM at 0xE0041000
	case 0x008:
		w = 0xFFF45003 // -0xBB000: CTI at 0xE0043000
	case 0xFCC:
		w = 1 // MEMTYPE.SYSMEM
	default:
		if off >= 0xFD0 {
			w = componentID(off&^3, DevID, 0, 0x020, 1)
		}
	}
	return stm32x.Lane(w, off, size), 0, nil
}

func (stROM) Write(uint32, int, uint32) (time.Duration, error) { return 0, nil }

// idOnly is a CoreSight component whose identification registers are
// served and whose function is not modelled (ETM, CTI): reads of the rest
// are 0, writes are ignored.
type idOnly struct{ part, class uint32 }

func (k idOnly) Read(off uint32, size int) (uint32, time.Duration, error) {
	w := uint32(0)
	switch a := off &^ 3; {
	case a == 0xFCC && k.part == 0x975:
		w = 0x13 // DEVTYPE: trace source, processor (pyOCD "devtype=13")
	case a == 0xFCC:
		w = 0x14 // DEVTYPE: debug control, trigger matrix ("devtype=14")
	case a == 0xFBC && k.part == 0x975:
		w = 0x47704A13 // DEVARCH: ARM, present, "archid=4a13"
	case a >= 0xFD0:
		w = componentID(a, k.part, 0, 4<<8|0x3B, k.class)
	}
	return stm32x.Lane(w, off, size), 0, nil
}

func (idOnly) Write(uint32, int, uint32) (time.Duration, error) { return 0, nil }

// componentID is the PIDR/CIDR word at a (CoreSight Architecture D1.2):
// part number, revision, JEP106 code (continuation<<8 | identity) and
// CIDR1 class.
func componentID(a, part, rev uint32, jep uint16, class uint32) uint32 {
	cont, id := uint32(jep>>8), uint32(jep&0x7F)
	switch a & 0xFFF {
	case 0xFD0:
		return cont & 0xF
	case 0xFE0:
		return part & 0xFF
	case 0xFE4:
		return (part>>8)&0xF | (id&0xF)<<4
	case 0xFE8:
		return (id>>4)&0x7 | 0x8 | (rev&0xF)<<4
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

var _ hw.Bus = stROM{}
