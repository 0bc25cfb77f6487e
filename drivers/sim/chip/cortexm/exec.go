package cortexm

import (
	"fmt"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/cortexm/unicorn"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// Exec makes the core execute Thumb code (through Unicorn) instead of
// merely running: see exec.go and the package doc.
type Exec struct {
	Model unicorn.Model
	// Memory is the chip's own SRAM, flash and ROM, shared with the
	// debug port: the core fetches the very bytes the debugger writes.
	Memory []ExecMemory
	// MMIO lists the windows whose accesses go to Bus.
	MMIO []ExecWindow
	// Bus is the system bus as the core sees it, absolute addresses, the
	// chip's lock held (stacking, vector fetch and MMIO use it).
	Bus hw.Bus
	// Hz is the core clock now (e.g. from the RCC model); nil: CoreHz.
	Hz func() uint32
}

// ExecMemory is one buffer mapped at Base (4 KiB multiples).
type ExecMemory struct {
	Base uint32
	Mem  []byte
	// Writes, when set, makes the area read-only to the core and takes
	// its stores (a flash array's controller).
	Writes hw.Bus
	// Blocked, when set and true, takes the area away from the CPU: its
	// fetches and loads bus-fault (readout protection with a debugger).
	Blocked func() bool
}

// ExecWindow is a range of MMIO addresses.
type ExecWindow struct {
	Base uint32
	Size uint64
}

// exec is the executing part of a Core.
type exec struct {
	eng      *unicorn.Engine
	err      error
	cfg      *Exec
	t        time.Duration // modeled time the core has run up to
	inSlice  bool
	resetGen uint64
	sleeping bool // WFI/WFE: S_SLEEP until an event (none are modelled)
	// spinning: PC is at a branch to itself. With no interrupt inputs
	// nothing ends the loop but the debugger or a reset, so its time is
	// not executed instruction by instruction.
	spinning bool
	event    bool // the WFE event register
	blocked  []bool
	insns    uint64 // instructions retired since power-on
	ran      bool   // the engine ran since code was last flushed
}

func (c *Core) openExec(x *Exec) {
	c.x.cfg = x
	e, err := unicorn.New(x.Model)
	if err != nil {
		c.x.err = err
		return
	}
	for _, m := range x.Memory {
		if err == nil {
			err = e.MapMemory(m.Base, m.Mem, m.Writes)
		}
	}
	for _, w := range x.MMIO {
		if err == nil {
			err = e.MapMMIO(w.Base, w.Size, x.Bus)
		}
	}
	if err != nil {
		e.Close()
		c.x.err = err
		return
	}
	c.x.blocked = make([]bool, len(x.Memory))
	c.x.eng = e
}

// Close frees the execution engine; the core stops executing code (it
// still halts, resets and answers the debugger, as a core without Exec).
// Safe to call more than once.
func (c *Core) Close() {
	if c.x.eng != nil {
		c.x.eng.Close()
		c.x.eng = nil
	}
}

// ExecErr is why the core cannot execute (nil when it can, or when it was
// not asked to).
func (c *Core) ExecErr() error { return c.x.err }

// Executes reports whether the core runs code.
func (c *Core) Executes() bool { return c.x.eng != nil }

// Retired is the number of instructions executed since power-on.
func (c *Core) Retired() uint64 { return c.x.insns }

// Sleeping reports WFI/WFE sleep (DHCSR.S_SLEEP).
func (c *Core) Sleeping() bool { return c.x.sleeping }

func (c *Core) hz() uint32 {
	if c.x.cfg != nil && c.x.cfg.Hz != nil {
		if h := c.x.cfg.Hz(); h != 0 {
			return h
		}
	}
	return c.cfg.CoreHz
}

func cyclesToTime(cyc uint64, hz uint32) time.Duration {
	return time.Duration(cyc * uint64(time.Second) / uint64(hz))
}

// CatchUp runs the core for the modeled time that passed since it last
// ran, so that it is where it would be at the debugger's now. The chip
// calls it (its lock held) before every debug access and before anything
// else that looks at the core or the memory. Deterministic: it depends on
// modeled time only.
func (c *Core) CatchUp() {
	if c.x.eng == nil || c.x.inSlice {
		return
	}
	now := c.cfg.Clock.Now()
	for c.Running() && !c.x.sleeping && !c.x.spinning && c.x.t < now {
		budget := uint64(now-c.x.t) * uint64(c.hz()) / uint64(time.Second)
		if budget == 0 {
			break
		}
		c.slice(budget, 0)
	}
	if c.x.t < now {
		c.x.t = now // asleep, halted or a fraction of a cycle: time passes all the same
	}
}

// slice runs the engine once and applies what stopped it.
func (c *Core) slice(budget, limit uint64) {
	x := &c.x
	e := x.eng
	hz := c.hz()
	e.Hz = hz
	c.syncProtection()
	if c.regs[RegXPSR]&(1<<24) == 0 {
		c.fault(6, cfsrINVSTATE, false, 0) // EPSR.T clear: the next instruction faults
		return
	}
	if err := e.SetRegs(c.engineRegs()); err != nil {
		c.fault(3, 0, false, 0)
		return
	}
	start := x.t
	clk := c.cfg.Clock
	// The peripherals see the core's own time while it runs behind the
	// debugger's clock.
	e.BusTime = func(cyc uint64) { clk.SetLag(clk.Now() + clk.Lag() - (start + cyclesToTime(cyc, hz))) }
	gen := x.resetGen
	x.inSlice = true
	x.ran = true
	st, err := e.Run(c.regs[RegPC], budget, limit)
	x.inSlice = false
	clk.SetLag(0)
	x.t = start + cyclesToTime(st.Cycles, hz)
	x.insns += st.Insns
	if x.resetGen != gen {
		return // the core reset itself (SYSRESETREQ): registers came from the vector table
	}
	r, rerr := e.Regs()
	if rerr == nil {
		c.fromEngine(r)
	}
	if err != nil || rerr != nil {
		c.fault(3, 0, false, 0)
		return
	}
	c.stopped(st)
}

// stopped applies the event that ended a slice (ARMv7-M ARM B1.5, C1.4).
func (c *Core) stopped(st unicorn.Stop) {
	pc := c.regs[RegPC]
	switch st.Reason {
	case unicorn.StopBudget, unicorn.StopHost:
	case unicorn.StopBKPT:
		if c.ctrl&dhcsrDebugEn != 0 {
			c.enterDebug(HaltBkpt) // PC at the BKPT (C1.5: a debug event)
			return
		}
		// Halting debug off: the BKPT escalates to HardFault (B1.5.14,
		// HFSR.DEBUGEVT on v7-M).
		c.hfsr |= hfsrDEBUGEVT
		c.takeFault(3, pc)
	case unicorn.StopWFI:
		c.regs[RegPC] = pc + 2
		c.x.sleeping = true
	case unicorn.StopWFE:
		c.regs[RegPC] = pc + 2
		if c.x.event {
			c.x.event = false
		} else {
			c.x.sleeping = true
		}
	case unicorn.StopSpin:
		c.x.spinning = true
	case unicorn.StopIntr:
		c.exceptionIntr(st.Intno, pc)
	case unicorn.StopFault:
		f := st.Fault
		if f.Fetch {
			c.fault(5, cfsrIBUSERR, false, 0)
		} else {
			c.fault(5, cfsrPRECISERR, true, f.Addr)
		}
	default: // Unicorn stopped by itself: treat as a fault
		c.fault(3, 0, false, 0)
	}
}

// exceptionIntr handles what Unicorn reports through its interrupt hook.
func (c *Core) exceptionIntr(intno, pc uint32) {
	switch intno {
	case unicorn.ExcpSWI:
		if c.ipsr() != 0 && c.v6 || c.ipsr() == 3 {
			c.LockUp() // SVC at HardFault priority or above cannot be taken
			return
		}
		c.exceptionEntry(11, pc) // SVCall; return past the SVC
	case unicorn.ExcpExcReturn, unicorn.ExcpPrefetch:
		if pc >= 0xFFFFFFF0 && c.ipsr() != 0 {
			c.exceptionReturn(pc | 1)
			return
		}
		c.fault(5, cfsrIBUSERR, false, 0)
	case unicorn.ExcpUDEF:
		c.fault(6, cfsrUNDEFINSTR, false, 0)
	case unicorn.ExcpINVSTATE:
		c.fault(6, cfsrINVSTATE, false, 0)
	case unicorn.ExcpNOCP:
		c.fault(6, cfsrNOCP, false, 0)
	case unicorn.ExcpUnaligned:
		c.fault(6, cfsrUNALIGNED, false, 0)
	default:
		c.fault(3, 0, false, 0)
	}
}

// step executes one instruction from Debug state (DHCSR.C_STEP, C1.6.2).
func (c *Core) step() {
	c.halted = false
	c.x.sleeping, c.x.spinning = false, false
	if now := c.cfg.Clock.Now(); c.x.t < now {
		c.x.t = now
	}
	c.slice(1<<62, 1) // a B . stops the slice unexecuted: PC is where executing it leaves PC
	c.retireSt = true
	if !c.halted && !c.lockup {
		c.enterDebug(HaltRequest)
	}
}

func (c *Core) syncProtection() {
	for i, m := range c.x.cfg.Memory {
		if m.Blocked == nil {
			continue
		}
		if b := m.Blocked(); b != c.x.blocked[i] {
			c.x.blocked[i] = b
			if err := c.x.eng.Protect(m.Base, uint32(len(m.Mem)), !b); err != nil {
				c.x.err = fmt.Errorf("cortexm: %w", err)
			}
		}
	}
}

// FlushCode drops all translated code: the core calls it when it resumes
// or resets, so memory the debugger or a flash controller changed since
// is fetched afresh.
func (c *Core) FlushCode() {
	if c.x.eng != nil && c.x.ran {
		c.x.ran = false
		if err := c.x.eng.FlushAllCode(); err != nil {
			c.x.err = err
		}
	}
}

// FlushCodeRange drops translated code in [start, end) after memory there
// changed under a running core (debugger writes). Cheap where nothing was
// translated.
func (c *Core) FlushCodeRange(start, end uint32) {
	if c.x.eng != nil && c.x.ran {
		if err := c.x.eng.FlushCode(start, end); err != nil {
			c.x.err = err
		}
	}
}

func (c *Core) engineRegs() unicorn.Regs {
	var r unicorn.Regs
	copy(r[:13], c.regs[:13])
	r[unicorn.RegSP] = c.Reg(RegSP)
	r[unicorn.RegLR] = c.regs[RegLR]
	r[unicorn.RegPC] = c.regs[RegPC] | 1
	r[unicorn.RegXPSR] = c.regs[RegXPSR] &^ 0x1FF
	r[unicorn.RegMSP] = c.regs[RegMSP]
	r[unicorn.RegPSP] = c.regs[RegPSP]
	r[unicorn.RegCONTROL] = c.regs[RegSpecial] >> 24 & 3
	r[unicorn.RegPRIMASK] = c.regs[RegSpecial] & 1
	return r
}

func (c *Core) fromEngine(r unicorn.Regs) {
	copy(c.regs[:13], r[:13])
	c.regs[RegLR] = r[unicorn.RegLR]
	c.regs[RegPC] = r[unicorn.RegPC] &^ 1
	c.regs[RegXPSR] = r[unicorn.RegXPSR]&^0x1FF | c.ipsr() | 1<<24
	c.regs[RegMSP] = r[unicorn.RegMSP]
	c.regs[RegPSP] = r[unicorn.RegPSP]
	sp := c.regs[RegSpecial]&^(3<<24|1) | (r[unicorn.RegCONTROL]&3)<<24 | r[unicorn.RegPRIMASK]&1
	c.regs[RegSpecial] = sp
}
