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
		if Identities[c.cfg.Maker].SRAMInSizeReg {
			w |= SRAMSize >> 10 << 16 // GD32 memory density information
		}
	case a >= 0x7E8 && a < 0x7F4:
		i := a - 0x7E8
		w = stm32x.UIDWord(c.UID(), i)
	case a >= 0x800:
		i := (a - 0x800) / 2
		w = uint32(c.opt[i]) | uint32(c.opt[i+1])<<16
		// Stalls while BSY, then reads what the operation left.
		return stm32x.Lane(w, off, size), c.f.bsy.Left(c.clk.Now()), nil
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
	// Stalls while BSY; the read then completes with the array's data.
	return c.flash.Load(off, size), c.f.bsy.Left(c.clk.Now()), nil
}

func (b flashBus) Write(off uint32, size int, v uint32) (time.Duration, error) {
	return b.c.f.programWrite(b.c, off, size, v)
}

var _ hw.Bus = flashBus{}
