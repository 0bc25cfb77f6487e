package cortexm

import (
	"time"

	"github.com/flashstation/flashstation/drivers/sim/hw"
)

const (
	dhcsrDebugEn   = 1 << 0
	dhcsrHalt      = 1 << 1
	dhcsrStep      = 1 << 2
	dhcsrMaskInts  = 1 << 3
	dhcsrSnapStall = 1 << 5
	dhcsrSRegRdy   = 1 << 16
	dhcsrSHalt     = 1 << 17
	dhcsrSSleep    = 1 << 18
	dhcsrSLockup   = 1 << 19
	dhcsrSRetire   = 1 << 24
	dhcsrSReset    = 1 << 25
	dhcsrKey       = 0xA05F << 16

	demcrVCCoreReset = 1 << 0
	// Writable DEMCR bits: VC_* 0,4–10, MON_* 16–19, TRCENA 24 on v7-M;
	// VC_CORERESET, VC_HARDERR, DWTENA on v6-M (ARMv6-M ARM C1.6.4).
	demcrMaskV7 = 0x010F07F1
	demcrMaskV6 = 0x01000401

	aircrKeyWrite    = 0x05FA << 16
	aircrKeyRead     = 0xFA05 << 16
	aircrVectReset   = 1 << 0
	aircrSysResetReq = 1 << 2
)

// SCS register addresses (ARMv7-M ARM B3.2.2, C1.6).
const (
	regICTR  = 0xE000E004
	regCPUID = 0xE000ED00
	regICSR  = 0xE000ED04
	regVTOR  = 0xE000ED08
	regAIRCR = 0xE000ED0C
	regSCR   = 0xE000ED10
	regCCR   = 0xE000ED14
	regSHPR1 = 0xE000ED18
	regSHPR3 = 0xE000ED20
	regSHCSR = 0xE000ED24
	regCFSR  = 0xE000ED28
	regHFSR  = 0xE000ED2C
	regDFSR  = 0xE000ED30
	regMMFAR = 0xE000ED34
	regBFAR  = 0xE000ED38
	regCPACR = 0xE000ED88
	regDHCSR = 0xE000EDF0
	regDCRSR = 0xE000EDF4
	regDCRDR = 0xE000EDF8
	regDEMCR = 0xE000EDFC
)

// ppb is the Private Peripheral Bus view of a core.
type ppb struct{ c *Core }

func (p ppb) Read(addr uint32, size int) (uint32, time.Duration, error) {
	c := p.c
	if !c.powered {
		return 0, 0, hw.ErrBusFault
	}
	w := c.readWord(addr&^3, true)
	return extract(w, addr, size), 0, nil
}

func (p ppb) Write(addr uint32, size int, value uint32) (time.Duration, error) {
	c := p.c
	if !c.powered {
		return 0, hw.ErrBusFault
	}
	if size != 4 {
		// Narrow writes merge into the current value: a key field the
		// write does not cover reads back as status, so keyed registers
		// ignore narrow writes, as the hardware's key check would.
		sh := (addr & 3) * 8
		mask := uint32(1)<<(uint(size)*8) - 1
		cur := c.readWord(addr&^3, false)
		value = cur&^(mask<<sh) | (value&mask)<<sh
	}
	c.writeWord(addr&^3, value)
	return 0, nil
}

func extract(w, addr uint32, size int) uint32 {
	switch size {
	case 1:
		return (w >> ((addr & 3) * 8)) & 0xFF
	case 2:
		return (w >> ((addr & 2) * 8)) & 0xFFFF
	}
	return w
}

// readWord reads a PPB word; consume=false peeks without the clear-on-read
// side effects (used to merge narrow writes).
func (c *Core) readWord(a uint32, consume bool) uint32 {
	if id, ok := c.componentIDWord(a); ok {
		return id
	}
	switch {
	case a >= 0xE0001000 && a < 0xE0002000:
		return c.dwtRead(a)
	case a >= 0xE0002000 && a < 0xE0003000:
		return c.fpbRead(a)
	case a >= 0xE00FF000:
		return c.romRead(a)
	}
	switch a {
	case regICTR:
		if c.v6 {
			return 0
		}
		return 1 // INTLINESNUM: up to 64 interrupt lines
	case regCPUID:
		return c.cfg.CPUID
	case regICSR:
		return c.ipsr() // VECTACTIVE; nothing is ever pending (no interrupt inputs)
	case regVTOR:
		return c.vtor
	case regAIRCR:
		return aircrKeyRead | c.aircr
	case regSCR:
		return c.scr
	case regCCR:
		return c.ccr
	case regSHPR1, regSHPR1 + 4, regSHPR3:
		return c.shpr[(a-regSHPR1)/4]
	case regSHCSR:
		return c.shcsr
	case regCFSR:
		return c.cfsr
	case regHFSR:
		return c.hfsr
	case regDFSR:
		return c.dfsr
	case regMMFAR:
		return c.mmfar
	case regBFAR:
		return c.bfar
	case regCPACR:
		return c.cpacr
	case regDHCSR:
		return c.dhcsr(consume)
	case regDCRDR:
		return c.dcrdr
	case regDEMCR:
		return c.demcr
	}
	// Everything else (NVIC, SysTick, ITM, TPIU) reads as zero: no
	// firmware runs, so nothing there changes.
	return 0
}

func (c *Core) dhcsr(consume bool) uint32 {
	v := c.ctrl
	if c.regRdy {
		v |= dhcsrSRegRdy
	}
	if c.halted {
		v |= dhcsrSHalt
	}
	if c.lockup {
		v |= dhcsrSLockup
	}
	if c.x.sleeping && c.Running() {
		v |= dhcsrSSleep
	}
	// A running core retires instructions between any two reads.
	if c.retireSt || c.Running() {
		v |= dhcsrSRetire
	}
	if c.resetSt || c.inReset {
		v |= dhcsrSReset
	}
	if consume {
		c.retireSt = false
		c.resetSt = false
	}
	return v
}

func (c *Core) writeWord(a uint32, v uint32) {
	switch {
	case a >= 0xE0001000 && a < 0xE0002000:
		c.dwtWrite(a, v)
		return
	case a >= 0xE0002000 && a < 0xE0003000:
		c.fpbWrite(a, v)
		return
	}
	switch a {
	case regVTOR:
		c.vtor = v &^ 0x7F
	case regAIRCR:
		c.writeAIRCR(v)
	case regSCR:
		c.scr = v & 0x16
	case regCCR:
		c.ccr = v & 0x71B
	case regSHPR1, regSHPR1 + 4, regSHPR3:
		c.shpr[(a-regSHPR1)/4] = v
	case regSHCSR:
		c.shcsr = v & 0x70000
	case regCFSR:
		c.cfsr &^= v
	case regHFSR:
		c.hfsr &^= v
	case regDFSR:
		c.dfsr &^= v & 0x1F
	case regMMFAR:
		c.mmfar = v
	case regBFAR:
		c.bfar = v
	case regCPACR:
		if c.cfg.FPU {
			c.cpacr = v & 0x00F00000
		}
	case regDHCSR:
		c.writeDHCSR(v)
	case regDCRSR:
		c.writeDCRSR(v)
	case regDCRDR:
		c.dcrdr = v
	case regDEMCR:
		if c.v6 {
			c.demcr = v & demcrMaskV6
		} else {
			c.demcr = v & demcrMaskV7
		}
	}
}

// writeAIRCR: writes without VECTKEY are ignored (B3.2.6). VECTRESET is a
// v7-M debug feature that resets the core only, not the system.
func (c *Core) writeAIRCR(v uint32) {
	if v&0xFFFF0000 != aircrKeyWrite {
		return
	}
	if !c.v6 {
		c.aircr = v & 0x700
	}
	switch {
	case v&aircrSysResetReq != 0:
		if c.cfg.OnSysResetReq != nil {
			c.cfg.OnSysResetReq()
		} else {
			c.Reset()
		}
	case v&aircrVectReset != 0 && !c.v6:
		c.Reset()
	}
}

// writeDHCSR: ignored without DBGKEY (C1.6.2). Clearing C_DEBUGEN drops the
// other control bits and lets a halted core run.
func (c *Core) writeDHCSR(v uint32) {
	if v&0xFFFF0000 != dhcsrKey {
		return
	}
	ctl := v & (dhcsrDebugEn | dhcsrHalt | dhcsrStep | dhcsrMaskInts | dhcsrSnapStall)
	if ctl&dhcsrDebugEn == 0 {
		ctl = 0
	}
	c.ctrl = ctl
	switch {
	case !c.powered || c.inReset:
	case ctl&dhcsrHalt != 0:
		if !c.halted {
			c.enterDebug(HaltRequest)
		}
	case c.halted && ctl&dhcsrStep != 0 && c.x.eng != nil:
		c.step()
	case c.halted && ctl&dhcsrStep != 0:
		// One instruction retires and the core halts again. No ISA is
		// emulated, so PC stays put; S_RETIRE_ST and DFSR.HALTED show
		// the step happened (C1.6.2, C1.5.1).
		c.retireSt = true
		c.enterDebug(HaltRequest)
	case c.halted:
		c.retireSt = true
		c.run()
	}
}

// writeDCRSR: a transfer clears S_REGRDY and sets it when done (C1.6.3). In
// Non-debug state the transfer is UNPREDICTABLE; the model never completes
// it, so a debugger polling S_REGRDY times out rather than reading junk.
func (c *Core) writeDCRSR(v uint32) {
	c.regRdy = false
	if !c.halted {
		return
	}
	sel := int(v & 0x7F)
	if c.validReg(sel) {
		if v&(1<<16) != 0 {
			c.SetReg(sel, c.dcrdr)
		} else {
			c.dcrdr = c.Reg(sel)
		}
	}
	c.regRdy = true
}
