package stm32h7

import (
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/stm32x"
	"github.com/flashstation/flashstation/drivers/sim/fault"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// Bank 1 registers at 0x52002000 (RM0433 §4.9); bank 2's at +0x100 read 0
// on the single-bank H750.
const (
	regACR      = 0x00
	regKEYR1    = 0x04
	regOPTKEYR  = 0x08
	regCR1      = 0x0C
	regSR1      = 0x10
	regCCR1     = 0x14
	regOPTCR    = 0x18
	regOPTSRCur = 0x1C
	regOPTSRPrg = 0x20
	regOPTCCR   = 0x24
	regWPSNCur1 = 0x38
	regWPSNPrg1 = 0x3C
	regBOOTCur  = 0x40
	regECCFA1R  = 0x60

	Key1    = 0x45670123
	Key2    = 0xCDEF89AB
	OptKey1 = 0x08192A3B
	OptKey2 = 0x4C5D6E7F

	crLOCK  = 1 << 0
	crPG    = 1 << 1
	crSER   = 1 << 2
	crBER   = 1 << 3
	crPSIZE = 3 << 4
	crFW    = 1 << 6
	crSTART = 1 << 7
	crSNB   = 7 << 8
	crReset = 0x00000031 // LOCK1, PSIZE1 = x64
	crRW    = crPG | crSER | crBER | crPSIZE | crFW | crSNB | 1<<15 | 0x1FEF<<16

	srBSY      = 1 << 0
	srWBNE     = 1 << 1
	srQW       = 1 << 2
	srEOP      = 1 << 16
	srWRPERR   = 1 << 17
	srPGSERR   = 1 << 18
	srSTRBERR  = 1 << 19
	srINCERR   = 1 << 21
	srOPERR    = 1 << 22
	srRDPERR   = 1 << 23
	srRDSERR   = 1 << 24
	srSNECCERR = 1 << 25
	srDBECCERR = 1 << 26
	srFlags    = 0x1FEF << 16 // EOP1..CRCRDERR1, cleared through CCR1

	optcrLOCK  = 1 << 0
	optcrSTART = 1 << 1

	optBUSY      = 1 << 0
	optRDP       = 0xFF << 8
	optCHANGEERR = 1 << 30
	// optPrgMask is what OPTSR_PRG keeps (BOR_LEV, IWDG1_SW, NRST_STOP_D1,
	// NRST_STBY_D1, RDP, FZ_IWDG_*, ST_RAM_SIZE, SECURITY, IO_HSLV,
	// SWAP_BANK_OPT; RM0433 §4.9.9).
	optPrgMask = 0xA03EFFDC

	// FlashWord is the programming unit: 256 bits (RM0433 §4.3.9).
	FlashWord = 32
)

// Program and erase times, typical, at the parallelism PSIZE1 selects
// (x8, x16, x32, x64): DS12556 Table "Flash memory programming" (the
// H742/743/750/753 die).
var (
	wordTime   = [4]time.Duration{290 * time.Microsecond, 180 * time.Microsecond, 130 * time.Microsecond, 100 * time.Microsecond}
	sectorTime = [4]time.Duration{2 * time.Second, 1800 * time.Millisecond, 1100 * time.Millisecond, time.Second}
	bankTime   = [4]time.Duration{13 * time.Second, 11 * time.Second, 9 * time.Second, 8 * time.Second}
	// optionTime is an option-byte change without erase; DS12556 gives no
	// figure: modelled as one word program.
	optionTime = 100 * time.Microsecond
)

// flashIF is bank 1's controller state.
type flashIF struct {
	acr, cr, sr, optcr, eccfa uint32
	key, optKey               stm32x.KeySeq
	lockedOut                 bool
	bsy                       stm32x.BSY
	// The write buffer: one flash word being filled (RM0433 §4.3.9).
	wbWord    uint32 // offset of the flash word
	wbData    [FlashWord]byte
	wbMask    uint32 // bytes written so far, one bit each
	eccBroken map[uint32]bool
	optPend   bool // an option change is running: OPTSR_CUR follows at its end
}

func (f *flashIF) settle(c *Chip) {
	if f.bsy.Settle(c.clk.Now()) {
		f.sr |= srEOP
		f.cr &^= crSTART
		if f.optPend {
			f.optPend = false
			c.opt.sr = c.opt.prg
			f.optcr &^= optcrSTART
		}
	}
}

// options is the option bytes as stored (OPTSR_CUR) and as being written
// (OPTSR_PRG), with bank 1's write protection.
type options struct {
	sr, prg    uint32
	wpsn, wprg uint32 // WRPSn1: bit i = 1, sector i not protected
}

// factoryOptions: RDP level 0 (0xAA), IWDG1 by software, no reset on
// stop/standby, sectors unprotected (RM0433 §4.4.1 Table 16 "default").
func factoryOptions() options {
	return options{sr: 0x0006AAD0, wpsn: 0xFF}
}

func (o options) level() int {
	switch (o.sr & optRDP) >> 8 {
	case 0xAA:
		return 0
	case 0xCC:
		return 2
	}
	return 1
}

// flashBus is the 128 KiB array: reads stall while BSY; at RDP level 1 the
// debugger's reads are bus errors (RM0433 §4.5.3), as is a flash word whose
// ECC no longer matches (programmed twice: DBECCERR1).
type flashBus struct{ c *Chip }

func (b flashBus) Read(off uint32, size int) (uint32, time.Duration, error) {
	c := b.c
	if c.opt.level() > 0 {
		c.f.sr |= srRDPERR
		return 0, 0, hw.ErrBusFault
	}
	if c.f.eccBroken[off/FlashWord] {
		c.f.sr |= srDBECCERR
		c.f.eccfa = off / FlashWord
		return 0, 0, hw.ErrBusFault
	}
	return c.flash.Load(off, size), c.f.bsy.Left(c.clk.Now()), nil
}

func (b flashBus) Write(off uint32, size int, v uint32) (time.Duration, error) {
	return b.c.f.bufferWrite(b.c, off, size, v)
}

// bufferWrite takes a write into the write buffer: PG1 must be set; every
// write of one buffer goes to one flash word (else INCERR1) and each byte
// once (else STRBERR1). The full word programs itself; FW1 forces a
// partial one (RM0433 §4.3.9).
func (f *flashIF) bufferWrite(c *Chip, off uint32, size int, v uint32) (time.Duration, error) {
	stall := f.bsy.Left(c.clk.Now())
	word := off &^ (FlashWord - 1)
	lanes := uint32(1)<<size - 1
	at := lanes << (off & (FlashWord - 1))
	switch {
	case f.cr&crLOCK != 0 || f.cr&crPG == 0 || f.cr&(crSER|crBER) != 0:
		f.sr |= srPGSERR
		return stall, nil
	case f.wbMask != 0 && word != f.wbWord:
		f.sr |= srINCERR
		f.wbMask = 0
		return stall, nil
	case f.wbMask&at != 0:
		f.sr |= srSTRBERR
		f.wbMask = 0
		return stall, nil
	}
	if f.wbMask == 0 {
		f.wbWord = word
		for i := range f.wbData {
			f.wbData[i] = 0xFF
		}
	}
	for i := 0; i < size; i++ {
		f.wbData[(off&(FlashWord-1))+uint32(i)] = byte(v >> (8 * i))
	}
	f.wbMask |= at
	if f.wbMask == 1<<FlashWord-1 {
		f.programWord(c)
	}
	return stall, nil
}

// programWord writes the buffered flash word. Over a word not erased the
// cells take the AND, but the 10 ECC bits of the old and new data AND
// too, so the word no longer checks: a later read is a double ECC error,
// unless the new data is the old data or all zeros (whose ECC is zero).
func (f *flashIF) programWord(c *Chip) {
	off := f.wbWord
	f.wbMask = 0
	switch {
	case c.opt.level() > 0 || c.opt.wpsn&1 == 0:
		f.sr |= srWRPERR
		return
	case c.cfg.Faults.Fire(fault.ProgramFail):
		f.sr |= srOPERR
		return
	}
	old := c.flash[off : off+FlashWord]
	erased, same, zero := true, true, true
	for i, b := range f.wbData {
		erased = erased && old[i] == 0xFF
		same = same && old[i] == b
		zero = zero && b == 0
	}
	if !erased && !same && !zero {
		if f.eccBroken == nil {
			f.eccBroken = map[uint32]bool{}
		}
		f.eccBroken[off/FlashWord] = true
	}
	for i, b := range f.wbData {
		if !c.cfg.Faults.IsBadCell(FlashBase + off + uint32(i)) {
			old[i] &= b
		}
	}
	f.bsy.Start(c.clk.Now(), wordTime[(f.cr&crPSIZE)>>4])
}

// start runs START1 with SER1 (sector SNB1) or BER1 (the bank).
func (f *flashIF) start(c *Chip) {
	psize := (f.cr & crPSIZE) >> 4
	switch {
	case f.cr&crPG != 0 || f.cr&(crSER|crBER) == crSER|crBER || f.wbMask != 0:
		f.sr |= srPGSERR
		return
	case f.cr&crSER != 0:
		snb := (f.cr & crSNB) >> 8
		switch {
		case c.opt.level() > 0 || (snb == 0 && c.opt.wpsn&1 == 0):
			f.sr |= srWRPERR
			return
		case c.cfg.Faults.Fire(fault.EraseFail):
			f.sr |= srOPERR
			return
		}
		if snb == 0 {
			c.flash.Fill(0, FlashSize, 0xFF)
			f.eccBroken = nil
		}
		// Sectors 1-7 exist on the die but are not part of the H750's
		// 128 KiB: the erase runs, nothing mapped changes.
		f.bsy.Start(c.clk.Now(), sectorTime[psize])
	case f.cr&crBER != 0:
		if c.opt.level() > 0 || c.opt.wpsn&0xFF != 0xFF {
			f.sr |= srWRPERR
			return
		}
		c.flash.Fill(0, FlashSize, 0xFF)
		f.eccBroken = nil
		f.bsy.Start(c.clk.Now(), bankTime[psize])
	default:
		return
	}
	f.cr |= crSTART
}

// flashIFBus is the register block at 0x52002000.
type flashIFBus struct{ c *Chip }

func (b flashIFBus) Read(off uint32, size int) (uint32, time.Duration, error) {
	return stm32x.Lane(b.c.f.read(b.c, off&^3), off, size), 0, nil
}

func (b flashIFBus) Write(off uint32, size int, v uint32) (time.Duration, error) {
	c := b.c
	return 0, c.f.write(c, off&^3, stm32x.Merge(c.f.read(c, off&^3), off, size, v))
}

func (f *flashIF) read(c *Chip, reg uint32) uint32 {
	switch reg {
	case regACR:
		return f.acr | 0x37 // LATENCY 7 and WRHIGHFREQ 3 at reset
	case regCR1:
		return f.cr
	case regSR1:
		s := f.sr
		if f.bsy.On() {
			s |= srBSY | srQW
		}
		if f.wbMask != 0 {
			s |= srWBNE
		}
		return s
	case regOPTCR:
		return f.optcr
	case regOPTSRCur:
		s := c.opt.sr
		if f.optPend {
			s |= optBUSY
		}
		return s
	case regOPTSRPrg:
		return c.opt.prg
	case regWPSNCur1:
		return c.opt.wpsn
	case regWPSNPrg1:
		return c.opt.wprg
	case regBOOTCur:
		return 0x1FF00800 // BOOT_ADD1 0x1FF0 (system memory), BOOT_ADD0 0x0800 (flash)
	case regECCFA1R:
		return f.eccfa
	}
	return 0
}

func (f *flashIF) write(c *Chip, reg, v uint32) error {
	switch reg {
	case regACR:
		f.acr = v & 0x3F
	case regKEYR1:
		return f.writeKey(v)
	case regOPTKEYR:
		if f.optcr&optcrLOCK == 0 {
			return nil
		}
		done, wrong := f.optKey.Feed(v, OptKey1, OptKey2)
		if done {
			f.optcr &^= optcrLOCK
		}
		if wrong {
			return hw.ErrBusFault
		}
	case regCR1:
		if f.cr&crLOCK != 0 {
			return nil
		}
		f.cr = v&crRW | f.cr&crSTART | v&crLOCK
		if v&crFW != 0 && f.wbMask != 0 {
			f.programWord(c)
			f.cr &^= crFW
		}
		if v&crSTART != 0 && f.cr&crLOCK == 0 && !f.bsy.On() {
			f.start(c)
		}
	case regCCR1:
		f.sr &^= v & srFlags
	case regOPTCR:
		if f.optcr&optcrLOCK != 0 {
			return nil
		}
		f.optcr = v&(optcrLOCK|1<<30|1<<31) | f.optcr&optcrSTART
		if v&optcrSTART != 0 && v&optcrLOCK == 0 && !f.bsy.On() {
			f.startOptions(c)
		}
	case regOPTSRPrg:
		if f.optcr&optcrLOCK == 0 {
			c.opt.prg = v & optPrgMask
		}
	case regOPTCCR:
		if v&(1<<30) != 0 {
			c.opt.sr &^= optCHANGEERR
		}
	case regWPSNPrg1:
		if f.optcr&optcrLOCK == 0 {
			c.opt.wprg = v & 0xFF
		}
	}
	return nil
}

// writeKey: KEY1 then KEY2 clears LOCK1; a wrong key is a bus error and
// keeps FLASH_CR1 locked until reset (RM0433 §4.5.1).
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

// startOptions runs OPTSTART: OPTSR_PRG (and WPSN_PRG1) become the option
// bytes at the end. Level 2 is final (OPTCHANGEERR); leaving level 1 for
// level 0 erases the whole bank first (RM0433 §4.5.3 "RDP regression").
func (f *flashIF) startOptions(c *Chip) {
	cur := (c.opt.sr & optRDP) >> 8
	next := (c.opt.prg & optRDP) >> 8
	if cur == 0xCC && next != 0xCC {
		c.opt.sr |= optCHANGEERR
		return
	}
	d := optionTime
	if cur != 0xAA && next == 0xAA {
		c.flash.Fill(0, FlashSize, 0xFF)
		f.eccBroken = nil
		d = bankTime[3]
	}
	c.opt.wpsn = c.opt.wprg
	f.optPend = true
	f.optcr |= optcrSTART
	f.bsy.Start(c.clk.Now(), d)
}
