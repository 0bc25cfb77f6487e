package stm32f1

import (
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/stm32x"
	"github.com/flashstation/flashstation/drivers/sim/fault"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// FPEC registers and bits (PM0075 §3; RM0008 §3.3.3).
const (
	regACR     = 0x00
	regKEYR    = 0x04
	regOPTKEYR = 0x08
	regSR      = 0x0C
	regCR      = 0x10
	regAR      = 0x14
	regOBR     = 0x1C
	regWRPR    = 0x20

	Key1 = 0x45670123
	Key2 = 0xCDEF89AB

	srBSY      = 1 << 0
	srPGERR    = 1 << 2
	srWRPRTERR = 1 << 4
	srEOP      = 1 << 5

	crPG     = 1 << 0
	crPER    = 1 << 1
	crMER    = 1 << 2
	crOPTPG  = 1 << 4
	crOPTER  = 1 << 5
	crSTRT   = 1 << 6
	crLOCK   = 1 << 7
	crOPTWRE = 1 << 9
	crERRIE  = 1 << 10
	crEOPIE  = 1 << 12
	crSW     = crPG | crPER | crMER | crOPTPG | crOPTER | crLOCK | crERRIE | crEOPIE
)

// fpec is the flash program/erase controller's state. An operation's effect
// on the array is applied when it starts; BSY hides it until the modeled
// time passes, since every read of the array stalls meanwhile.
type fpec struct {
	acr, cr, sr, ar uint32
	key, optKey     stm32x.KeySeq
	lockedOut       bool // wrong key: CR locked until reset (PM0075 §2.3.1)
	bsy             stm32x.BSY
}

func (f *fpec) reset() {
	f.acr = 0x30 // PRFTBE, PRFTBS
	f.cr = crLOCK
}

// settle ends an operation whose time has passed: BSY clears, EOP sets and
// STRT, which stays set while the erase runs, clears.
func (f *fpec) settle(c *Chip) {
	if f.bsy.Settle(c.clk.Now()) {
		f.sr |= srEOP
		f.cr &^= crSTRT
	}
}

// whileBusy decides what a write to the array does while BSY: a genuine
// F103 holds the bus until the running operation ends (the MEM-AP answers
// WAIT) and then performs it; an APM32F103 drops it (Identity.DropWhileBusy).
func (f *fpec) whileBusy(c *Chip) (stall time.Duration, drop bool) {
	if !f.bsy.On() {
		return 0, false
	}
	if Identities[c.cfg.Maker].DropWhileBusy {
		return 0, true
	}
	return f.bsy.Left(c.clk.Now()), false
}

// programWrite is a write into main flash (PM0075 §2.3.3).
func (f *fpec) programWrite(c *Chip, off uint32, size int, v uint32) (time.Duration, error) {
	if f.cr&crPG == 0 || size != 2 {
		// Outside programming mode the array is read-only, and with PG
		// "any attempt to write data that are not half-word long will
		// result in a bus error response from the FPEC".
		return 0, hw.ErrBusFault
	}
	stall, drop := f.whileBusy(c)
	if drop {
		return 0, nil
	}
	v &= 0xFFFF
	switch cur := c.flash.Load(off, 2); {
	case c.rdp || c.wrpr&(1<<(off/PageSize/4)) == 0:
		f.sr |= srWRPRTERR
	case cur != 0xFFFF && v != 0:
		f.sr |= srPGERR // writing 0x0000 over anything is allowed
	case c.cfg.Faults.Fire(fault.ProgramFail):
		f.sr |= srPGERR
	default:
		if c.cfg.Faults.IsBadCell(FlashBase + off) {
			v = cur // the cell does not take the new value
		}
		c.flash.Store(off, 2, v)
		f.ar = FlashBase + off
		f.bsy.Start(c.clk.Now(), ProgramTime)
	}
	return stall, nil
}

// optionWrite is a write into the option bytes (PM0075 §2.5.2): OPTPG and
// OPTWRE set, halfwords only; hardware stores the low byte and its
// complement. Programming RDP to 0xA5 while protected mass-erases the main
// flash (PM0075 §2.4.1); the new RDP takes effect at the next reset.
func (f *fpec) optionWrite(c *Chip, i uint32, size int, v uint32) (time.Duration, error) {
	if f.cr&crOPTPG == 0 || f.cr&crOPTWRE == 0 || size != 2 {
		return 0, hw.ErrBusFault
	}
	stall, drop := f.whileBusy(c)
	if drop {
		return 0, nil
	}
	if c.opt[i] != 0xFFFF {
		f.sr |= srPGERR
		return stall, nil
	}
	b := uint16(v & 0xFF)
	c.opt[i] = b | (^b&0xFF)<<8
	d := ProgramTime
	if i == 0 && b == 0xA5 && c.rdp {
		c.flash.Fill(0, uint32(len(c.flash)), 0xFF)
		d += EraseTime
	}
	f.bsy.Start(c.clk.Now(), d)
	return stall, nil
}

// startErase runs STRT with PER, MER or OPTER (PM0075 §2.3.4–2.3.5, §2.5.1).
func (f *fpec) startErase(c *Chip) {
	n := uint32(len(c.flash))
	switch {
	case f.cr&crPER != 0:
		off := f.ar - FlashBase
		if f.ar < n {
			off = f.ar // the boot alias at 0
		}
		if off >= n {
			return // no page there: nothing starts
		}
		off &^= PageSize - 1
		switch {
		case c.rdp || c.wrpr&(1<<(off/PageSize/4)) == 0:
			f.sr |= srWRPRTERR
			return
		case c.cfg.Faults.Fire(fault.EraseFail):
			// The FPEC has no erase-failure flag; PGERR is its only
			// non-protection error, so an injected failure shows there.
			f.sr |= srPGERR
			return
		}
		c.flash.Fill(off, PageSize, 0xFF)
	case f.cr&crMER != 0:
		if c.cfg.Faults.Fire(fault.EraseFail) {
			f.sr |= srPGERR
			return
		}
		c.flash.Fill(0, n, 0xFF)
	case f.cr&crOPTER != 0 && f.cr&crOPTWRE != 0:
		for i := range c.opt {
			c.opt[i] = 0xFFFF
		}
	default:
		return
	}
	f.cr |= crSTRT
	f.bsy.Start(c.clk.Now(), EraseTime)
}

// fpecBus is the register block at 0x40022000.
type fpecBus struct{ c *Chip }

func (b fpecBus) Read(off uint32, size int) (uint32, time.Duration, error) {
	return stm32x.Lane(b.c.f.read(b.c, off&^3), off, size), 0, nil
}

func (b fpecBus) Write(off uint32, size int, v uint32) (time.Duration, error) {
	c := b.c
	return 0, c.f.write(c, off&^3, stm32x.Merge(c.f.read(c, off&^3), off, size, v))
}

func (f *fpec) read(c *Chip, reg uint32) uint32 {
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
	case regAR:
		return f.ar
	case regOBR:
		v := c.obrBytes
		if c.rdp {
			v |= 1 << 1
		}
		if c.optErr {
			v |= 1
		}
		return v
	case regWRPR:
		return c.wrpr
	}
	return 0 // KEYR, OPTKEYR are write-only
}

func (f *fpec) write(c *Chip, reg, v uint32) error {
	switch reg {
	case regACR:
		f.acr = v&0x1F | (v&0x10)<<1 // PRFTBS follows PRFTBE
	case regKEYR:
		return f.writeKey(v)
	case regOPTKEYR:
		if f.cr&crLOCK != 0 {
			return nil
		}
		if done, _ := f.optKey.Feed(v, Key1, Key2); done {
			f.cr |= crOPTWRE
		}
	case regSR:
		f.sr &^= v & (srPGERR | srWRPRTERR | srEOP)
	case regCR:
		f.writeCR(c, v)
	case regAR:
		if !f.bsy.On() { // blocked while BSY (PM0075 §3.5)
			f.ar = v
		}
	}
	return nil
}

// writeKey runs the KEY1, KEY2 sequence; any other value locks the FPEC
// until the next reset (PM0075 §2.3.1).
func (f *fpec) writeKey(v uint32) error {
	if f.lockedOut {
		return hw.ErrBusFault
	}
	if f.cr&crLOCK == 0 {
		return nil
	}
	switch done, wrong := f.key.Feed(v, Key1, Key2); {
	case done:
		f.cr &^= crLOCK
	case wrong:
		f.lockedOut = true // and a bus error (PM0075 §2.3.2 "Unlocking the Flash memory")
		return hw.ErrBusFault
	}
	return nil
}

// writeCR: ignored while locked. OPTWRE can only be cleared by software;
// LOCK can only be set. STRT starts an erase and reads 1 until BSY clears.
func (f *fpec) writeCR(c *Chip, v uint32) {
	if f.cr&crLOCK != 0 {
		return
	}
	cr := v&crSW | f.cr&crSTRT
	if v&crOPTWRE != 0 {
		cr |= f.cr & crOPTWRE
	}
	if cr&crLOCK != 0 {
		cr &^= crOPTWRE
	}
	f.cr = cr
	if v&crSTRT != 0 && cr&crLOCK == 0 && !f.bsy.On() {
		f.startErase(c)
	}
}
