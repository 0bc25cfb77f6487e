package stm32f1

import (
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/stm32x"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// sysBus is 0x1FFFF000–0x1FFFF80F: the boot loader area (not modelled:
// reads as zero), flash size at +0x7E0, unique ID at +0x7E8 (RM0008
// §30.1–30.2) and the option bytes at +0x800 (PM0075 §2.5).
type sysBus struct{ c *Chip }

func (b sysBus) Read(off uint32, size int) (uint32, time.Duration, error) {
	c := b.c
	var w uint32
	a := off &^ 3
	switch {
	case a == 0x7E0:
		w = uint32(len(c.flash) >> 10)
	case a >= 0x7E8 && a < 0x7F4:
		i := a - 0x7E8
		w = stm32x.UIDWord(c.uid, i)
	case a >= 0x800:
		i := (a - 0x800) / 2
		if c.f.bsy.On() {
			return 0, c.f.bsy.Left(c.clk.Now()), nil
		}
		w = uint32(c.opt[i]) | uint32(c.opt[i+1])<<16
	}
	return stm32x.Lane(w, off, size), 0, nil
}

func (b sysBus) Write(off uint32, size int, v uint32) (time.Duration, error) {
	if off >= 0x800 {
		return b.c.f.optionWrite(b.c, (off-0x800)/2, size, v)
	}
	return 0, hw.ErrBusFault
}

// flashBus is the main flash array. Reads stall while BSY (PM0075 §2.3.3);
// under readout protection the debugger's reads are bus errors (PM0075
// §2.4.1 Table: debug mode, read protection on: main flash not readable).
type flashBus struct{ c *Chip }

func (b flashBus) Read(off uint32, size int) (uint32, time.Duration, error) {
	c := b.c
	if c.rdp {
		return 0, 0, hw.ErrBusFault
	}
	if c.f.bsy.On() {
		return 0, c.f.bsy.Left(c.clk.Now()), nil
	}
	return c.flash.Load(off, size), 0, nil
}

func (b flashBus) Write(off uint32, size int, v uint32) (time.Duration, error) {
	return b.c.f.programWrite(b.c, off, size, v)
}

// dbgmcuBus is DBGMCU_IDCODE and DBGMCU_CR (RM0008 §31.16). IDCODE is
// readable by the debugger only; CR survives system reset.
type dbgmcuBus struct{ c *Chip }

func (b dbgmcuBus) Read(off uint32, size int) (uint32, time.Duration, error) {
	// Bits 15:12 are reserved; genuine parts read 6 there (OpenOCD logs
	// "device id = 0x20036410"), GD32 clones 0 ("0x13030410").
	w := uint32(RevY)<<16 | 0x6000 | DevID
	if b.c.cfg.Clone {
		w = uint32(RevClone)<<16 | DevID
	}
	if off >= 4 {
		w = b.c.dbgmcuCR
	}
	return stm32x.Lane(w, off, size), 0, nil
}

func (b dbgmcuBus) Write(off uint32, size int, v uint32) (time.Duration, error) {
	if off >= 4 && size == 4 {
		b.c.dbgmcuCR = v & 0x7FFFE7 // DBG_SLEEP..DBG_TIM11_STOP, TRACE bits
	}
	return 0, nil
}

// rccBus stands in for the RCC block (0x40021000), which debuggers touch
// when they raise the clock for flashing: it keeps what is written, with
// the reset values of CR (HSION|HSIRDY, RM0008 §7.3.1) and CSR (§7.3.10).
// Clock trees are not modelled; flash timing does not depend on them here.
type rccBus struct{ c *Chip }

func (b rccBus) Read(off uint32, size int) (uint32, time.Duration, error) {
	i := off / 4
	w := b.c.rcc[i]
	switch i {
	case 0:
		w |= 0x83 // HSION, HSIRDY, HSITRIM reset 0x10<<3
		if w&(1<<16) != 0 {
			w |= 1 << 17 // HSERDY follows HSEON
		}
		if w&(1<<24) != 0 {
			w |= 1 << 25 // PLLRDY follows PLLON
		}
	case 1:
		w = w&^0xC | (w&3)<<2 // SWS follows SW
	}
	return stm32x.Lane(w, off, size), 0, nil
}

func (b rccBus) Write(off uint32, size int, v uint32) (time.Duration, error) {
	if size == 4 {
		b.c.rcc[off/4] = v
	}
	return 0, nil
}

var _ hw.Bus = flashBus{}
