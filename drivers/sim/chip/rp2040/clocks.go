package rp2040

import (
	"time"

	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// CLOCKS: the clk_ref and clk_sys generators and clk_peri's control
// (datasheet §2.15; pico-sdk hardware/regs/clocks.h). clk_ref and clk_sys
// each have a glitchless mux (CTRL.SRC) behind an aux mux (CTRL.AUXSRC).
// The glitchless mux stops its output, then waits for an edge of the old
// source (to let go of it) and of the new one (to take it): a switch
// completes only when both run, and SELECTED reads 0 until it has. A
// clk_sys without a clock stops the bus fabric, so every bus access from a
// debugger answers WAIT until clk_sys runs again, for good if nothing will
// start its source before a reset. Aux mux changes are immediate (they
// glitch on silicon). Other generators, the frequency counter and resus
// are not modeled (read as zero).
const (
	clocksBase = 0x40008000

	clkRefCtrl  = 0x30
	clkRefDiv   = 0x34
	clkRefSel   = 0x38
	clkSysCtrl  = 0x3C
	clkSysDiv   = 0x40
	clkSysSel   = 0x44
	clkPeriCtrl = 0x48
	clkPeriSel  = 0x50

	clkRefCtrlMask  = 0x63 // AUXSRC [6:5], SRC [1:0]
	clkRefDivMask   = 0x300
	clkSysCtrlMask  = 0xE1 // AUXSRC [7:5], SRC [0]
	clkPeriCtrlMask = 0xCE0

	refSrcROSC = 0
	refSrcAux  = 1
	refSrcXOSC = 2
	sysSrcRef  = 0
	sysSrcAux  = 1

	sysAuxPLLSys = 0
	sysAuxPLLUSB = 1
	sysAuxROSC   = 2
	sysAuxXOSC   = 3

	// stallPoll is how long a debugger's access waits before the model
	// looks again at a clk_sys that nothing is going to restart.
	stallPoll = time.Millisecond
)

// glitchless is one glitchless mux: the source at its output and the
// times of the last request and of the last completed switch.
type glitchless struct {
	sel    uint32
	reqAt  time.Duration
	doneAt time.Duration
}

type clocks struct {
	refCtrl, refDiv, sysCtrl, sysDiv, periCtrl uint32
	ref, sys                                   glitchless
}

func (k *clocks) init() { *k = clocks{refDiv: 0x100, sysDiv: 0x100} }

// switchDone is when a switch requested at req completes, given when the
// old and new sources began running.
func switchDone(req, from, to time.Duration) time.Duration {
	if from == never || to == never {
		return never
	}
	return max(req, from, to)
}

// muxStart is when a glitchless mux's output began running: after a
// pending switch completes, or with its source since the last switch.
func muxStart(g *glitchless, target uint32, start func(uint32) time.Duration) time.Duration {
	if target != g.sel {
		return switchDone(g.reqAt, start(g.sel), start(target))
	}
	s := start(g.sel)
	if s == never {
		return never
	}
	return max(s, g.doneAt)
}

func (c *Chip) refSrcStart(src uint32) time.Duration {
	switch src {
	case refSrcROSC:
		return 0 // the ring oscillator always runs
	case refSrcAux:
		if c.clks.refCtrl>>5&3 == 0 { // clksrc_pll_usb; GPIN0/1 have no clock on the board
			return c.pllStart(&c.pllUSB)
		}
	case refSrcXOSC:
		return c.xoscStart()
	}
	return never
}

func (c *Chip) refSrcHz(src uint32) uint64 {
	switch src {
	case refSrcROSC:
		return uint64(c.cfg.SysClockHz)
	case refSrcAux:
		return c.pllHz(&c.pllUSB)
	case refSrcXOSC:
		return uint64(c.cfg.XoscHz)
	}
	return 0
}

func (c *Chip) refStart() time.Duration {
	return muxStart(&c.clks.ref, c.clks.refCtrl&3, c.refSrcStart)
}

// refHz is clk_ref: DIV.INT [9:8], 0 meaning 2^16 as the register says.
func (c *Chip) refHz() uint64 {
	div := uint64(c.clks.refDiv >> 8 & 3)
	if div == 0 {
		div = 1 << 16
	}
	return c.refSrcHz(c.clks.ref.sel) / div
}

func (c *Chip) sysAuxStart() time.Duration {
	switch c.clks.sysCtrl >> 5 & 7 {
	case sysAuxPLLSys:
		return c.pllStart(&c.pllSys)
	case sysAuxPLLUSB:
		return c.pllStart(&c.pllUSB)
	case sysAuxROSC:
		return 0
	case sysAuxXOSC:
		return c.xoscStart()
	}
	return never // GPIN0/1: nothing drives them
}

func (c *Chip) sysSrcStart(src uint32) time.Duration {
	if src == sysSrcRef {
		return c.refStart()
	}
	return c.sysAuxStart()
}

// sysStart is when clk_sys began running (never: stopped until a reset).
func (c *Chip) sysStart() time.Duration {
	return muxStart(&c.clks.sys, c.clks.sysCtrl&1, c.sysSrcStart)
}

// sysClockHz is the effective clk_sys: the selected source over DIV
// (INT [31:8] + FRAC [7:0] / 256, INT 0 meaning 2^16).
func (c *Chip) sysClockHz() uint32 {
	c.settleClocks()
	var src uint64
	if c.clks.sys.sel == sysSrcRef {
		src = c.refHz()
	} else {
		switch c.clks.sysCtrl >> 5 & 7 {
		case sysAuxPLLSys:
			src = c.pllHz(&c.pllSys)
		case sysAuxPLLUSB:
			src = c.pllHz(&c.pllUSB)
		case sysAuxROSC:
			src = uint64(c.cfg.SysClockHz)
		case sysAuxXOSC:
			src = uint64(c.cfg.XoscHz)
		}
	}
	div := uint64(c.clks.sysDiv)
	if div>>8 == 0 {
		div += 1 << 24
	}
	return uint32(src * 256 / div)
}

// SysClockHz is the chip's clk_sys now, in Hz (0 while it is stopped).
func (c *Chip) SysClockHz() uint32 {
	if c.sysStart() > c.clk.Now() {
		return 0
	}
	return c.sysClockHz()
}

// sysStall refuses a bus access while clk_sys is stopped.
func (c *Chip) sysStall() error {
	now := c.clk.Now()
	t := c.sysStart()
	if t <= now {
		return nil
	}
	if t == never {
		t = now + stallPoll
	}
	return &hw.WaitError{Until: t}
}

// settleClocks completes the switches whose time has come, so that a
// register write changes the muxes from their state now.
func (c *Chip) settleClocks() {
	now := c.clk.Now()
	k := &c.clks
	settle := func(g *glitchless, target uint32, start func(uint32) time.Duration) {
		if target == g.sel {
			return
		}
		if t := switchDone(g.reqAt, start(g.sel), start(target)); t <= now {
			g.sel, g.doneAt = target, t
		}
	}
	settle(&k.ref, k.refCtrl&3, c.refSrcStart)
	settle(&k.sys, k.sysCtrl&1, c.sysSrcStart)
}

func (c *Chip) clocksRead(off uint32) uint32 {
	c.settleClocks()
	k := &c.clks
	selected := func(g *glitchless, target uint32) uint32 {
		if target != g.sel {
			return 0 // switching: no clock at the output
		}
		return 1 << g.sel
	}
	switch off {
	case clkRefCtrl:
		return k.refCtrl
	case clkRefDiv:
		return k.refDiv
	case clkRefSel:
		return selected(&k.ref, k.refCtrl&3)
	case clkSysCtrl:
		return k.sysCtrl
	case clkSysDiv:
		return k.sysDiv
	case clkSysSel:
		return selected(&k.sys, k.sysCtrl&1)
	case clkPeriCtrl:
		return k.periCtrl
	case clkPeriSel:
		return 1 // no glitchless mux: hardwired
	}
	return 0
}

func (c *Chip) clocksWrite(off, v, alias uint32) {
	c.settleClocks()
	k := &c.clks
	now := c.clk.Now()
	switch off {
	case clkRefCtrl:
		old := k.refCtrl
		k.refCtrl = atomic(k.refCtrl, v, alias) & clkRefCtrlMask
		if k.refCtrl&3 != old&3 {
			k.ref.reqAt = now
		}
	case clkRefDiv:
		k.refDiv = atomic(k.refDiv, v, alias) & clkRefDivMask
	case clkSysCtrl:
		old := k.sysCtrl
		k.sysCtrl = atomic(k.sysCtrl, v, alias) & clkSysCtrlMask
		if k.sysCtrl&1 != old&1 {
			k.sys.reqAt = now
		}
	case clkSysDiv:
		k.sysDiv = atomic(k.sysDiv, v, alias)
	case clkPeriCtrl:
		k.periCtrl = atomic(k.periCtrl, v, alias) & clkPeriCtrlMask
	}
}

// resetClocks is the power-on state machine's part: RESETS, XOSC, both
// PLLs and CLOCKS back to reset values, clk_ref and clk_sys on the ring
// oscillator.
func (c *Chip) resetClocks() {
	c.rst.init()
	c.xo.init()
	c.pllSys.init()
	c.pllUSB.init()
	c.clks.init()
}
