package stm32f4

import (
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/stm32x"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// sysBus is 0x1FFF7800–0x1FFF7A2F: OTP (512 B) and its lock bytes, read
// as erased (OTP programming is not modelled: writes are bus errors), the
// unique ID at 0x1FFF7A10 and the flash size at 0x1FFF7A22 (RM0383 §24).
type sysBus struct{ c *Chip }

func (b sysBus) Read(off uint32, size int) (uint32, time.Duration, error) {
	c := b.c
	a := off &^ 3
	w := uint32(0xFFFFFFFF)
	switch {
	case a >= 0x210 && a < 0x21C:
		i := a - 0x210
		w = stm32x.UIDWord(c.UID(), i)
	case a == 0x220:
		w = uint32(FlashSize>>10)<<16 | 0xFFFF
	case a > 0x20C:
		w = 0
	}
	return stm32x.Lane(w, off, size), 0, nil
}

func (b sysBus) Write(uint32, int, uint32) (time.Duration, error) { return 0, hw.ErrBusFault }

// optBus is the user option bytes at 0x1FFFC000 (RM0383 §3.6.1 Table 8):
// +0 USER[7:0] RDP[15:8], +8 nWRP. Readable at every level; written only
// through OPTCR.
type optBus struct{ c *Chip }

func (b optBus) Read(off uint32, size int) (uint32, time.Duration, error) {
	c := b.c
	w := c.opt & 0xFFFF
	if off >= 8 {
		w = c.opt >> 16 & 0x8FFF
	}
	return stm32x.Lane(w, off, size), c.f.bsy.Left(c.clk.Now()), nil
}

func (b optBus) Write(uint32, int, uint32) (time.Duration, error) { return 0, hw.ErrBusFault }

// flashBus is the flash array. Reads stall while BSY (§3.5); at RDP level 1
// the debugger's reads are bus errors (§3.6.3).
type flashBus struct{ c *Chip }

func (b flashBus) Read(off uint32, size int) (uint32, time.Duration, error) {
	c := b.c
	if c.level > 0 {
		return 0, 0, hw.ErrBusFault
	}
	return c.flash.Load(off, size), c.f.bsy.Left(c.clk.Now()), nil
}

func (b flashBus) Write(off uint32, size int, v uint32) (time.Duration, error) {
	return b.c.f.programWrite(b.c, off, size, v)
}

var _ hw.Bus = flashBus{}
