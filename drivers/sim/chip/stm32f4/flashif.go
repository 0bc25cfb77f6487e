package stm32f4

import (
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/stm32x"
	"github.com/flashstation/flashstation/drivers/sim/fault"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// FLASH interface registers and bits (RM0383 §3.8).
const (
	regACR     = 0x00
	regKEYR    = 0x04
	regOPTKEYR = 0x08
	regSR      = 0x0C
	regCR      = 0x10
	regOPTCR   = 0x14

	Key1    = 0x45670123
	Key2    = 0xCDEF89AB
	OptKey1 = 0x08192A3B
	OptKey2 = 0x4C5D6E7F

	srEOP    = 1 << 0
	srOPERR  = 1 << 1
	srWRPERR = 1 << 4
	srPGAERR = 1 << 5
	srPGPERR = 1 << 6
	srPGSERR = 1 << 7
	srRDERR  = 1 << 8
	srBSY    = 1 << 16
	srW1C    = srEOP | srOPERR | srWRPERR | srPGAERR | srPGPERR | srPGSERR | srRDERR

	crPG    = 1 << 0
	crSER   = 1 << 1
	crMER   = 1 << 2
	crSTRT  = 1 << 16
	crEOPIE = 1 << 24
	crLOCK  = 1 << 31
	crSW    = crPG | crSER | crMER | 0xF<<3 | 3<<8 | crEOPIE | 1<<25 | crLOCK

	optLOCK = 1 << 0
	optSTRT = 1 << 1
	// optReset is OPTCR's reset value 0x0FFFAAED without OPTLOCK: BOR off,
	// WDG_SW, nRST_STOP, nRST_STDBY, RDP 0xAA, no sector protected.
	optReset = 0x0FFFAAEC
	optMask  = 0x8FFFFFEC
)

// flashIF is the FLASH interface's state; like the F1 model, an
// operation's effect is applied at its start and hidden behind BSY.
type flashIF struct {
	acr, cr, sr, optcr uint32
	key, optKey        stm32x.KeySeq
	lockedOut          bool // wrong key: locked until reset (§3.5.1)
	bsy                stm32x.BSY
}

func (f *flashIF) settle(c *Chip) {
	if f.bsy.Settle(c.clk.Now()) {
		if f.cr&crEOPIE != 0 {
			f.sr |= srEOP // EOP is set only with EOPIE (§3.8.4)
		}
		f.cr &^= crSTRT
		f.optcr &^= optSTRT
	}
}

// programWrite is a write into the flash array (§3.5.4–3.5.5). The single
// bank stalls the bus while busy, then runs the write.
func (f *flashIF) programWrite(c *Chip, off uint32, size int, v uint32) (time.Duration, error) {
	stall := f.bsy.Left(c.clk.Now())
	psize := 1 << ((f.cr >> 8) & 3)
	sec := sectorOf(off)
	switch {
	case f.cr&crPG == 0 || f.cr&(crSER|crMER) != 0:
		f.sr |= srPGSERR
	case size != psize:
		f.sr |= srPGPERR
		if int(off)%psize != 0 {
			f.sr |= srPGAERR
		}
	case c.level > 0 || c.opt&(1<<(16+sec)) == 0:
		f.sr |= srWRPERR
	case c.cfg.Faults.Fire(fault.ProgramFail):
		f.sr |= srOPERR
	default:
		old := c.flash.Load(off, size)
		if !c.cfg.Faults.IsBadCell(FlashBase + off) {
			c.flash.Store(off, size, old&v) // programming only clears bits
		}
		f.bsy.Start(c.clk.Now(), ProgramTime)
	}
	return stall, nil
}

func sectorOf(off uint32) int {
	for i := len(sectors) - 1; i > 0; i-- {
		if off >= sectors[i].Off {
			return i
		}
	}
	return 0
}

// startErase runs STRT with SER (sector SNB) or MER (§3.5.3).
func (f *flashIF) startErase(c *Chip) {
	switch {
	case f.cr&crSER != 0:
		snb := int(f.cr>>3) & 0xF
		switch {
		case snb >= len(sectors):
			f.sr |= srPGSERR
			return
		case c.level > 0 || c.opt&(1<<(16+snb)) == 0:
			f.sr |= srWRPERR
			return
		case c.cfg.Faults.Fire(fault.EraseFail):
			f.sr |= srOPERR
			return
		}
		s := sectors[snb]
		c.flash.Fill(s.Off, s.Size, 0xFF)
		f.bsy.Start(c.clk.Now(), s.Erase)
	case f.cr&crMER != 0:
		switch {
		case c.level > 0 || c.opt&(0xFF<<16) != 0xFF<<16:
			f.sr |= srWRPERR
			return
		case c.cfg.Faults.Fire(fault.EraseFail):
			f.sr |= srOPERR
			return
		}
		c.flash.Fill(0, FlashSize, 0xFF)
		f.bsy.Start(c.clk.Now(), MassEraseTime)
	default:
		return
	}
	f.cr |= crSTRT
}

// flashIFBus is the register block at 0x40023C00.
type flashIFBus struct{ c *Chip }

func (b flashIFBus) Read(off uint32, size int) (uint32, time.Duration, error) {
	return stm32x.Lane(b.c.f.read(off&^3), off, size), 0, nil
}

func (b flashIFBus) Write(off uint32, size int, v uint32) (time.Duration, error) {
	c := b.c
	return 0, c.f.write(c, off&^3, stm32x.Merge(c.f.read(off&^3), off, size, v))
}

func (f *flashIF) read(reg uint32) uint32 {
	switch reg {
	case regACR:
		return f.acr
	case regSR:
		if f.bsy.On() {
			return f.sr | srBSY
		}
		return f.sr
	case regCR:
		return f.cr
	case regOPTCR:
		return f.optcr
	}
	return 0 // KEYR, OPTKEYR are write-only
}

func (f *flashIF) write(c *Chip, reg, v uint32) error {
	switch reg {
	case regACR:
		f.acr = v & 0x1F0F
	case regKEYR:
		return f.writeKey(v)
	case regOPTKEYR:
		return f.writeOptKey(v)
	case regSR:
		f.sr &^= v & srW1C
	case regCR:
		if f.cr&crLOCK != 0 {
			return nil
		}
		f.cr = v&crSW | f.cr&crSTRT
		if v&crSTRT != 0 && f.cr&crLOCK == 0 && !f.bsy.On() {
			f.startErase(c)
		}
	case regOPTCR:
		f.writeOPTCR(c, v)
	}
	return nil
}

// writeKey: KEY1 then KEY2 clears LOCK. A wrong key, or a key written while
// unlocked, is a bus error and locks FLASH_CR until reset (§3.5.1).
func (f *flashIF) writeKey(v uint32) error {
	if f.lockedOut {
		return hw.ErrBusFault
	}
	if f.cr&crLOCK != 0 {
		done, wrong := f.key.Feed(v, Key1, Key2)
		if done {
			f.cr &^= crLOCK
		}
		if !wrong {
			return nil
		}
	}
	f.key = stm32x.KeySeq{}
	f.lockedOut = true
	f.cr |= crLOCK
	return hw.ErrBusFault
}

func (f *flashIF) writeOptKey(v uint32) error {
	if f.optcr&optLOCK != 0 {
		done, wrong := f.optKey.Feed(v, OptKey1, OptKey2)
		if done {
			f.optcr &^= optLOCK
		}
		if !wrong {
			return nil
		}
	}
	f.optKey = stm32x.KeySeq{}
	return hw.ErrBusFault
}

// writeOPTCR (§3.6.2): the register takes new values while OPTLOCK is
// clear; OPTSTRT writes them to the option bytes. Leaving level 1 for level
// 0 mass-erases the flash first (§3.6.3); level 2 can never be left.
func (f *flashIF) writeOPTCR(c *Chip, v uint32) {
	if f.optcr&optLOCK != 0 {
		return
	}
	f.optcr = v&optMask | v&optLOCK | f.optcr&optSTRT
	if v&optSTRT == 0 || v&optLOCK != 0 || f.bsy.On() {
		return
	}
	cur := optRDP(c.opt)
	if cur == 0xCC {
		return
	}
	d := OptionTime
	if cur != 0xAA && optRDP(v) == 0xAA {
		c.flash.Fill(0, FlashSize, 0xFF)
		d = MassEraseTime
	}
	c.opt = v & optMask
	f.optcr |= optSTRT
	f.bsy.Start(c.clk.Now(), d)
}

func optRDP(v uint32) uint32 { return (v >> 8) & 0xFF }

// loadOptions copies the option bytes into OPTCR at reset and sets the RDP
// level (§3.6.3): 0xAA level 0, 0xCC level 2, anything else level 1.
func (c *Chip) loadOptions() {
	c.f.cr = crLOCK
	c.f.optcr = c.opt | optLOCK
	switch optRDP(c.opt) {
	case 0xAA:
		c.level = 0
	case 0xCC:
		c.level = 2
	default:
		c.level = 1
	}
}
