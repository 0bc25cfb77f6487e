package rp2040

import "time"

// PLL_SYS and PLL_USB (datasheet §2.18; pico-sdk hardware/regs/pll.h).
// Both take the crystal as reference: FOUTPOSTDIV = (FREF / REFDIV) ×
// FBDIV / (POSTDIV1 × POSTDIV2).
const (
	pllSysBase = 0x40028000
	pllUSBBase = 0x4002C000

	pllCS    = 0x0
	pllPWR   = 0x4
	pllFBDIV = 0x8
	pllPRIM  = 0xC

	pllCSLock   = 1 << 31
	pllCSBypass = 1 << 8
	pllCSMask   = pllCSBypass | 0x3F // BYPASS, REFDIV [5:0]
	pllPD       = 1 << 0
	pllDSMPD    = 1 << 2
	pllPostPD   = 1 << 3
	pllVCOPD    = 1 << 5
	pllPWRMask  = pllPD | pllDSMPD | pllPostPD | pllVCOPD
	pllFBMask   = 0xFFF
	pllPRIMMask = 0x77000 // POSTDIV1 [18:16], POSTDIV2 [14:12]

	// §2.18.2 limits (datasheet 1.8 on: VCO minimum 750 MHz, was 400).
	pllMinFREF = 5_000_000
	pllMinVCO  = 750_000_000
	pllMaxVCO  = 1_600_000_000
	pllMinFB   = 16
	pllMaxFB   = 320

	// pllLockTime: the datasheet states no lock time; software polls
	// CS.LOCK. The model locks this long after the VCO's last change.
	pllLockTime = 100 * time.Microsecond
)

// pll is one PLL's registers and the times that decide LOCK.
type pll struct {
	cs, pwr, fbdiv, prim uint32
	vcoAt                time.Duration // last change of PD, VCOPD, REFDIV or FBDIV
	outAt                time.Duration // last time POSTDIVPD was cleared
}

func (p *pll) init() { *p = pll{cs: 1, pwr: pllPWRMask, prim: pllPRIMMask} }

func (c *Chip) pllAt(base uint32) (*pll, uint32) {
	if base == pllSysBase {
		return &c.pllSys, rstPLLSys
	}
	return &c.pllUSB, rstPLLUSB
}

// vcoHz is the VCO frequency the settings ask for, 0 if they break a
// §2.18.2 limit (the PLL then never locks).
func (c *Chip) vcoHz(p *pll) uint64 {
	refdiv := uint64(p.cs & 0x3F)
	if refdiv == 0 { // "behaviour is undefined for div=0"
		return 0
	}
	fref := uint64(c.cfg.XoscHz) / refdiv
	vco := fref * uint64(p.fbdiv)
	if fref < pllMinFREF || p.fbdiv < pllMinFB || p.fbdiv > pllMaxFB || vco < pllMinVCO || vco > pllMaxVCO {
		return 0
	}
	return vco
}

// lockAt is when LOCK rises under the current settings: powered (PD and
// VCOPD clear), a legal VCO, the crystal running, then pllLockTime.
func (c *Chip) lockAt(p *pll) time.Duration {
	if p.pwr&(pllPD|pllVCOPD) != 0 || c.vcoHz(p) == 0 {
		return never
	}
	ref := c.xoscStart()
	if ref == never {
		return never
	}
	return max(p.vcoAt, ref) + pllLockTime
}

// pllStart is when the PLL's output began running: locked with the post
// dividers powered, or the reference itself in BYPASS.
func (c *Chip) pllStart(p *pll) time.Duration {
	if p.cs&pllCSBypass != 0 {
		return c.xoscStart()
	}
	pd1, pd2 := p.prim>>16&7, p.prim>>12&7
	if p.pwr&pllPostPD != 0 || pd1 == 0 || pd2 == 0 {
		return never
	}
	return max(c.lockAt(p), p.outAt)
}

// pllHz is the output frequency while it runs.
func (c *Chip) pllHz(p *pll) uint64 {
	if p.cs&pllCSBypass != 0 {
		return uint64(c.cfg.XoscHz)
	}
	pd1, pd2 := uint64(p.prim>>16&7), uint64(p.prim>>12&7)
	return c.vcoHz(p) / (pd1 * pd2)
}

func (c *Chip) pllRead(base, off uint32) uint32 {
	p, _ := c.pllAt(base)
	switch off {
	case pllCS:
		if c.clk.Now() >= c.lockAt(p) {
			return p.cs | pllCSLock
		}
		return p.cs
	case pllPWR:
		return p.pwr
	case pllFBDIV:
		return p.fbdiv
	case pllPRIM:
		return p.prim
	}
	return 0
}

func (c *Chip) pllWrite(base, off, v, alias uint32) {
	p, rst := c.pllAt(base)
	if c.inReset(rst) {
		return // a block in reset ignores writes (§2.14)
	}
	c.settleClocks()
	now := c.clk.Now()
	old := *p
	switch off {
	case pllCS:
		p.cs = atomic(p.cs, v, alias) & pllCSMask
	case pllPWR:
		p.pwr = atomic(p.pwr, v, alias) & pllPWRMask
	case pllFBDIV:
		p.fbdiv = atomic(p.fbdiv, v, alias) & pllFBMask
	case pllPRIM:
		p.prim = atomic(p.prim, v, alias) & pllPRIMMask
	}
	if old.cs&0x3F != p.cs&0x3F || old.fbdiv != p.fbdiv || old.pwr&(pllPD|pllVCOPD) != p.pwr&(pllPD|pllVCOPD) {
		p.vcoAt = now // the loop has to lock again
	}
	if old.pwr&pllPostPD != 0 && p.pwr&pllPostPD == 0 {
		p.outAt = now
	}
}
