package cortexm

import (
	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// HaltReason is the DFSR bit a debug event sets (ARMv7-M ARM C1.6.1).
type HaltReason uint32

const (
	HaltRequest  HaltReason = 1 << 0 // DFSR.HALTED: C_HALT or a step
	HaltBkpt     HaltReason = 1 << 1 // DFSR.BKPT: BKPT instruction or FPB match
	HaltDWT      HaltReason = 1 << 2 // DFSR.DWTTRAP
	HaltVCatch   HaltReason = 1 << 3 // DFSR.VCATCH: vector catch (VC_CORERESET …)
	HaltExternal HaltReason = 1 << 4 // DFSR.EXTERNAL: EDBGRQ
)

// Register numbers as DCRSR.REGSEL names them (ARMv7-M ARM C1.6.3).
const (
	RegSP      = 13
	RegLR      = 14
	RegPC      = 15 // DebugReturnAddress
	RegXPSR    = 16
	RegMSP     = 17
	RegPSP     = 18
	RegSpecial = 20 // CONTROL[31:24] FAULTMASK[23:16] BASEPRI[15:8] PRIMASK[7:0]
	RegFPSCR   = 33 // with an FPU
	RegS0      = 64 // S0..S31 are 64..95, with an FPU
)

// Config describes one core.
type Config struct {
	// CPUID as read at 0xE000ED00, e.g. 0x411FC231 (Cortex-M3 r1p1). Its
	// ARCHITECTURE field (0xC v6-M, 0xF v7-M) and PARTNO pick the register
	// set and the debug component IDs.
	CPUID uint32
	// FPU adds FPSCR and S0–S31 to the register file (Cortex-M4F).
	FPU bool
	// Clock is the board's virtual clock; CoreHz (default 8 MHz, the STM32
	// HSI) makes DWT_CYCCNT count while the core runs.
	Clock  *clock.Clock
	CoreHz uint32
	// Fetch reads a word of memory as the chip maps it: at reset the core
	// loads SP from VTOR+0 and PC from VTOR+4 (VTOR resets to 0).
	Fetch func(addr uint32) (uint32, error)
	// OnSysResetReq is called when AIRCR.SYSRESETREQ is written with
	// VECTKEY: the chip performs a system reset, which calls Core.Reset.
	// When nil the core resets itself.
	OnSysResetReq func()
	// ROMPart and ROMJEP106 (continuation<<8 | identity) give the ROM
	// table's own peripheral ID when the vendor replaced ARM's: genuine
	// STM32 ROM tables report ST (0x020) and the DEV_ID as part number.
	// Zero keeps ARM's ROM table ID for the core.
	ROMPart   uint32
	ROMJEP106 uint16
	// Exec, when set, makes the core execute code (exec.go); New fails
	// softly: ExecErr says why it cannot.
	Exec *Exec
}

// Core is the simulated core and its debug registers.
type Core struct {
	cfg  Config
	v6   bool
	part uint32 // CPUID PARTNO

	powered  bool
	inReset  bool // nRESET held
	halted   bool
	lockup   bool
	ctrl     uint32 // DHCSR [5:0]: C_DEBUGEN C_HALT C_STEP C_MASKINTS - C_SNAPSTALL
	regRdy   bool
	retireSt bool
	resetSt  bool
	dcrdr    uint32
	demcr    uint32
	dfsr     uint32

	vtor, aircr, scr, ccr uint32
	shpr                  [3]uint32
	shcsr, cfsr, hfsr     uint32
	mmfar, bfar, cpacr    uint32

	regs [21]uint32 // R0–R12, (13 unused: SP is MSP/PSP), LR, PC, xPSR, MSP, PSP, -, special
	fp   [33]uint32 // S0–S31, FPSCR

	dwt dwt
	fpb fpb

	runSince int64 // clock time the core last started running (ns)
	onResume func(*Core)

	x exec // instruction execution (exec.go), when Config.Exec asks for it
}

// New returns a powered-off core; the chip calls PowerOn.
func New(cfg Config) *Core {
	if cfg.CoreHz == 0 {
		cfg.CoreHz = 8_000_000
	}
	if cfg.Clock == nil {
		cfg.Clock = &clock.Clock{}
	}
	c := &Core{cfg: cfg, v6: (cfg.CPUID>>16)&0xF == 0xC, part: (cfg.CPUID >> 4) & 0xFFF}
	if cfg.Exec != nil {
		c.openExec(cfg.Exec)
	}
	return c
}

// Bus is the Private Peripheral Bus, 0xE0000000–0xE00FFFFF (SCS, DWT, FPB,
// ITM, ROM table). The chip routes those addresses here.
func (c *Core) Bus() hw.Bus { return ppb{c} }

// SetOnResume installs f, called each time the debugger lets the core run
// (C_HALT cleared while halted, or a reset that does not halt).
func (c *Core) SetOnResume(f func(c *Core)) { c.onResume = f }

// Halted reports whether the core is in Debug state.
func (c *Core) Halted() bool { return c.powered && c.halted }

// Running reports whether the core executes (powered, out of reset, not halted).
func (c *Core) Running() bool { return c.powered && !c.inReset && !c.halted && !c.lockup }

// DebugEnabled reports DHCSR.C_DEBUGEN.
func (c *Core) DebugEnabled() bool { return c.ctrl&dhcsrDebugEn != 0 }

// PowerOff loses all core and debug state.
func (c *Core) PowerOff() {
	c.powered = false
	c.halted = false
}

// PowerOn is a power-on reset: debug logic as well as the core.
func (c *Core) PowerOn() {
	c.powered = true
	c.inReset = false
	c.ctrl, c.demcr, c.dfsr, c.dcrdr = 0, 0, 0, 0
	c.dwt, c.fpb = dwt{}, fpb{}
	c.retireSt = false
	c.Reset()
}

// SetResetLine holds (true) or releases the core's reset input (nRESET).
// While held the core neither runs nor halts and S_RESET_ST stays set;
// release performs the reset.
func (c *Core) SetResetLine(asserted bool) {
	if asserted {
		c.inReset = true
		c.halted = false
		c.resetSt = true
		return
	}
	if c.inReset {
		c.inReset = false
		c.Reset()
	}
}

// Reset is a system (or core) reset: registers from the vector table, fault
// state cleared, debug logic kept. With C_DEBUGEN and DEMCR.VC_CORERESET the
// core halts at the reset vector (DFSR.VCATCH); otherwise it runs.
func (c *Core) Reset() {
	if !c.powered {
		return
	}
	c.resetSt = true
	c.lockup = false
	c.x.sleeping, c.x.spinning, c.x.event = false, false, false
	c.x.resetGen++
	if c.x.inSlice {
		c.x.eng.Stop() // the core's own SYSRESETREQ: the run ends here
	}
	c.regs = [21]uint32{}
	c.fp = [33]uint32{}
	c.vtor, c.scr, c.cfsr, c.hfsr, c.shcsr, c.cpacr = 0, 0, 0, 0, 0, 0
	c.shpr = [3]uint32{}
	c.aircr &^= 0x700 // PRIGROUP
	c.regs[RegLR] = 0xFFFFFFFF
	c.loadVectors()
	c.ctrl &^= dhcsrHalt | dhcsrStep
	if c.inReset {
		return
	}
	if c.ctrl&dhcsrDebugEn != 0 && c.demcr&demcrVCCoreReset != 0 {
		c.enterDebug(HaltVCatch)
		return
	}
	c.run()
}

// loadVectors sets MSP and PC from the vector table; a vector fetch that
// faults leaves the core in lockup (ARMv7-M ARM B1.5.15).
func (c *Core) loadVectors() {
	if c.cfg.Fetch == nil {
		return
	}
	sp, err1 := c.cfg.Fetch(c.vtor)
	pc, err2 := c.cfg.Fetch(c.vtor + 4)
	if err1 != nil || err2 != nil {
		c.lockup = true
		c.regs[RegPC] = 0xFFFFFFFE
		return
	}
	c.regs[RegMSP] = sp &^ 3
	c.regs[RegPC] = pc &^ 1
	c.regs[RegXPSR] = (pc & 1) << 24 // EPSR.T from bit 0 of the vector
}

// LockUp puts a running core in Lockup, as a fault it cannot escalate
// does (ARMv7-M ARM B1.5.15): the chip calls it when the core's own
// instruction fetch bus-faults and the HardFault vector fetch faults as
// well. PC reads 0xFFFFFFFE and DHCSR.S_LOCKUP 1 until a reset; the
// debugger can still halt the core. A halted or held core is unaffected.
func (c *Core) LockUp() {
	if !c.Running() {
		return
	}
	c.cycAccumulate()
	c.retireSt = true
	c.lockup = true
	c.regs[RegPC] = 0xFFFFFFFE
}

// HaltAt enters Debug state with PC = pc, as a debug event (BKPT, FPB match,
// watchpoint) would.
func (c *Core) HaltAt(pc uint32, reason HaltReason) {
	if !c.powered || c.inReset {
		return
	}
	c.regs[RegPC] = pc &^ 1
	c.enterDebug(reason)
}

// enterDebug: a core that was running has retired instructions since the
// debugger last looked, so S_RETIRE_ST reads 1 once after the halt even if
// DHCSR was read while it ran (ARMv6-M ARM C1.6.3, ARMv7-M ARM C1.6.2).
func (c *Core) enterDebug(reason HaltReason) {
	if c.Running() {
		c.cycAccumulate()
		c.retireSt = true
	}
	c.halted = true
	// Entering Debug state ends Lockup: "a debugger can also cause the
	// processor to exit the lock-up state" (Cortex-M1 TRM, ARM DDI 0413D
	// §4.10; ARM's Cortex-M generic user guides, "Lockup", list "it is
	// halted by the debugger" among the exits). OpenOCD relies on it
	// ("clearing lockup after double fault"). PC keeps 0xFFFFFFFE.
	c.lockup = false
	c.x.sleeping, c.x.spinning = false, false // a halt wakes a sleeping core; PC is past the WFI
	c.ctrl |= dhcsrHalt                       // hardware sets C_HALT on entry (ARMv7-M ARM C1.6.2)
	c.dfsr |= uint32(reason)
	c.regRdy = true
}

func (c *Core) run() {
	c.halted = false
	c.regRdy = false
	c.runSince = int64(c.cfg.Clock.Now())
	c.x.t = c.cfg.Clock.Now()
	c.FlushCode()
	if c.onResume != nil {
		c.onResume(c)
	}
}

// Reg returns a core register by DCRSR number (0 for numbers not modelled).
func (c *Core) Reg(n int) uint32 {
	switch {
	case n == RegSP:
		return c.regs[c.spIndex()]
	case n < len(c.regs):
		return c.regs[n]
	case n == RegFPSCR && c.cfg.FPU:
		return c.fp[32]
	case n >= RegS0 && n < RegS0+32 && c.cfg.FPU:
		return c.fp[n-RegS0]
	}
	return 0
}

// SetReg writes a core register by DCRSR number.
func (c *Core) SetReg(n int, v uint32) {
	switch {
	case n == RegSP:
		c.regs[c.spIndex()] = v &^ 3
	case n == RegMSP || n == RegPSP:
		c.regs[n] = v &^ 3
	case n == RegPC:
		c.regs[n] = v &^ 1
	case n < len(c.regs) && n != 19:
		c.regs[n] = v
	case n == RegFPSCR && c.cfg.FPU:
		c.fp[32] = v
	case n >= RegS0 && n < RegS0+32 && c.cfg.FPU:
		c.fp[n-RegS0] = v
	}
}

// validReg reports whether REGSEL names a register this core has.
func (c *Core) validReg(n int) bool {
	switch {
	case n <= RegPSP, n == RegSpecial:
		return true
	case c.cfg.FPU && (n == RegFPSCR || (n >= RegS0 && n < RegS0+32)):
		return true
	}
	return false
}

// spIndex is MSP in Handler mode or with CONTROL.SPSEL clear, else PSP
// (ARMv7-M ARM B1.4.1).
func (c *Core) spIndex() int {
	if c.regs[RegXPSR]&0x1FF == 0 && c.regs[RegSpecial]&(1<<25) != 0 {
		return RegPSP
	}
	return RegMSP
}
