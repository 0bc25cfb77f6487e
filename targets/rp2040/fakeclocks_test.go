package rp2040

import (
	"context"
	"fmt"

	"github.com/flashstation/flashstation/drivers"
)

// fakeClocks is the RP2040 clock registers as the datasheet describes
// them (§2.1.2 aliases, §2.15 glitchless muxes, §2.16 XOSC, §2.18 PLL,
// §2.14 RESETS), written for these tests from the datasheet alone. It
// records every rule the setup breaks, which the tests require empty.
type fakeClocks struct {
	reg      map[uint32]uint32
	crystal  bool // a crystal is fitted: XOSC becomes STABLE when enabled
	lockable bool // PLL_SYS locks when powered with a valid setting
	dead     bool // no clock registers at all: reads 0, writes vanish
	writes   int
	broken   []string // rules broken, in order
}

var _ drivers.MemoryAccess = (*fakeClocks)(nil)

// newFakeClocks starts from the power-on state.
func newFakeClocks() *fakeClocks {
	f := &fakeClocks{reg: map[uint32]uint32{}, crystal: true, lockable: true}
	f.reg[clkRefCtrl], f.reg[clkSysCtrl] = 0, 0
	f.reg[clkRefDiv], f.reg[clkSysDiv] = clkDivOne, clkDivOne
	f.reg[xoscCtrl] = xoscDisable | xoscRange1to15
	f.reg[xoscStartup] = 0xC4
	f.reg[resetsReset] = 0x01FFFFFF
	f.resetPLL()
	return f
}

// runningPLL is the state a pico-sdk firmware leaves: clk_ref on the
// crystal, clk_sys on PLL_SYS (here at 100 MHz).
func runningPLL() *fakeClocks {
	f := newFakeClocks()
	f.reg[xoscCtrl] = xoscEnable | xoscRange1to15
	f.reg[clkRefCtrl] = clkRefSrcXOSC
	f.reg[resetsReset] &^= resetPLLSys
	f.reg[pllFBDiv], f.reg[pllPrim] = 100, 6<<16|2<<12
	f.reg[pllPwr] = 0x04 // only DSMPD still set, as pll_init leaves it
	f.reg[clkSysCtrl] = clkSysSrcAux
	return f
}

func (f *fakeClocks) resetPLL() {
	f.reg[pllCS], f.reg[pllPwr], f.reg[pllFBDiv], f.reg[pllPrim] = 1, 0x2D, 0, 0x77000
}

func (f *fakeClocks) xoscStable() bool {
	return f.crystal && f.reg[xoscCtrl]&(0xFFF<<12) != xoscDisable
}

func (f *fakeClocks) pllLocked() bool {
	fb := f.reg[pllFBDiv]
	return f.lockable && f.reg[resetsReset]&resetPLLSys == 0 && f.xoscStable() &&
		f.reg[pllPwr]&(pllPwrPD|pllPwrVCOPD) == 0 && fb >= 16 && fb <= 320
}

func (f *fakeClocks) pllOut() bool { return f.pllLocked() && f.reg[pllPwr]&pllPwrPostDivPD == 0 }

func (f *fakeClocks) read(a uint32) uint32 {
	if f.dead {
		return 0
	}
	switch a {
	case xoscStatus:
		if f.xoscStable() {
			return xoscStable | 1<<12
		}
		return 0
	case pllCS:
		if f.pllLocked() {
			return f.reg[a] | pllLock
		}
		return f.reg[a]
	case resetsDone:
		return ^f.reg[resetsReset] & 0x01FFFFFF
	case clkRefSelected:
		src := f.reg[clkRefCtrl] & clkRefSrcMask
		if src == clkRefSrcXOSC && !f.xoscStable() || src == 1 || src == 3 {
			return 0 // switching to a clock that is not running never ends
		}
		return 1 << src
	case clkSysSelected:
		if f.reg[clkSysCtrl]&clkSysSrcAux == 0 {
			return 1
		}
		if f.reg[clkSysCtrl]&clkSysAuxMask != 0 || !f.pllOut() {
			return 0
		}
		return 2
	}
	return f.reg[a]
}

func (f *fakeClocks) write(addr, v uint32) {
	f.writes++
	if f.dead {
		return
	}
	a, old := addr&^0x3000, f.reg[addr&^0x3000]
	nv := v
	switch addr & 0x3000 {
	case 0x1000:
		nv = old ^ v
	case aliasSet:
		nv = old | v
	case aliasClr:
		nv = old &^ v
	}
	sysOnPLL := f.reg[clkSysCtrl]&clkSysSrcAux != 0 && f.reg[clkSysCtrl]&clkSysAuxMask == 0
	switch a {
	case clkSysCtrl:
		if old&clkSysSrcAux != 0 && (old^nv)&clkSysAuxMask != 0 {
			f.broken = append(f.broken, "clk_sys AUXSRC changed while clk_sys ran from aux")
		}
		if nv&clkSysSrcAux != 0 && old&clkSysSrcAux == 0 && nv&clkSysAuxMask == 0 && !f.pllOut() {
			f.broken = append(f.broken, "clk_sys switched to pll_sys before PLL_SYS ran")
		}
	case clkRefCtrl:
		if nv&clkRefSrcMask == clkRefSrcXOSC && old&clkRefSrcMask != clkRefSrcXOSC && !f.xoscStable() {
			f.broken = append(f.broken, "clk_ref switched to XOSC before it was stable")
		}
	case xoscCtrl:
		if nv&(0xFFF<<12) == xoscDisable && f.reg[clkRefCtrl]&clkRefSrcMask == clkRefSrcXOSC {
			f.broken = append(f.broken, "XOSC disabled while clk_ref ran from it")
		}
	case resetsReset:
		if nv&resetPLLSys != 0 {
			if sysOnPLL {
				f.broken = append(f.broken, "PLL_SYS reset while clk_sys ran from it")
			}
			f.reg[a] = nv
			f.resetPLL()
			return
		}
	case pllPrim:
		if !f.pllLocked() {
			f.broken = append(f.broken, "PLL_SYS post dividers set before lock")
		}
	case pllFBDiv, pllCS:
		if sysOnPLL {
			f.broken = append(f.broken, fmt.Sprintf("PLL_SYS 0x%08X written while clk_sys ran from it", a))
		}
	}
	f.reg[a] = nv
}

func (f *fakeClocks) ReadMemory32(_ context.Context, addr uint32, dst []uint32) error {
	for i := range dst {
		dst[i] = f.read(addr + 4*uint32(i))
	}
	return nil
}

func (f *fakeClocks) WriteMemory32(_ context.Context, addr uint32, src []uint32) error {
	for i, v := range src {
		f.write(addr+4*uint32(i), v)
	}
	return nil
}

func (f *fakeClocks) ReadMemory8(context.Context, uint32, []byte) error {
	return fmt.Errorf("fake: byte reads of clock registers")
}
func (f *fakeClocks) WriteMemory8(context.Context, uint32, []byte) error {
	return fmt.Errorf("fake: byte writes of clock registers")
}
func (f *fakeClocks) ReadMemory16(context.Context, uint32, []uint16) error {
	return fmt.Errorf("fake: halfword reads of clock registers")
}
func (f *fakeClocks) WriteMemory16(context.Context, uint32, []uint16) error {
	return fmt.Errorf("fake: halfword writes of clock registers")
}
