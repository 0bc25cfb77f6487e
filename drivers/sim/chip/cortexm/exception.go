package cortexm

// Exception entry and return for an executing core, which Unicorn leaves
// to its user (ARMv7-M ARM B1.5.6–B1.5.8, B1.5.14–B1.5.15; ARMv6-M ARM
// B1.5.6–B1.5.8). Priorities are fixed: Reset, NMI, HardFault and the
// rest; no interrupt inputs exist, so nothing preempts a handler and no
// tail-chaining happens.

// CFSR and HFSR bits (B3.2.15, B3.2.16).
const (
	cfsrIBUSERR    = 1 << 8
	cfsrPRECISERR  = 1 << 9
	cfsrBFARVALID  = 1 << 15
	cfsrUNDEFINSTR = 1 << 16
	cfsrINVSTATE   = 1 << 17
	cfsrINVPC      = 1 << 18
	cfsrNOCP       = 1 << 19
	cfsrUNALIGNED  = 1 << 24
	hfsrVECTTBL    = 1 << 1
	hfsrFORCED     = 1 << 30
	hfsrDEBUGEVT   = 1 << 31

	shcsrEnaShift = 16 // MEMFAULTENA, BUSFAULTENA, USGFAULTENA: 16, 17, 18

	demcrVCHardErr = 1 << 10
	demcrVCIntErr  = 1 << 9
	demcrVCBusErr  = 1 << 8
	demcrVCStatErr = 1 << 7
	demcrVCChkErr  = 1 << 6
	demcrVCNoCPErr = 1 << 5
	demcrVCMMErr   = 1 << 4
)

func (c *Core) ipsr() uint32 { return c.regs[RegXPSR] & 0x1FF }

// fault raises a synchronous fault of kind (5 BusFault, 6 UsageFault, 3
// HardFault) at the current PC. On ARMv6-M, and on ARMv7-M while the
// configurable fault is disabled in SHCSR, it escalates to HardFault
// (HFSR.FORCED). A fault while in HardFault (or NMI) locks the core up.
func (c *Core) fault(kind int, cfsr uint32, bfarValid bool, bfar uint32) {
	if !c.v6 {
		c.cfsr |= cfsr
		if bfarValid {
			c.cfsr |= cfsrBFARVALID
			c.bfar = bfar
		}
	}
	if kind != 3 && (c.v6 || c.shcsr&(1<<(shcsrEnaShift+kind-4)) == 0 || c.ipsr() == uint32(kind)) {
		if !c.v6 && cfsr != 0 {
			c.hfsr |= hfsrFORCED
		}
		kind = 3
	}
	c.takeFault(kind, c.regs[RegPC])
}

// takeFault enters the fault handler, or locks up when the fault cannot
// be taken (already in HardFault or NMI: B1.5.15).
func (c *Core) takeFault(kind int, ret uint32) {
	if ip := c.ipsr(); ip == 2 || ip == 3 {
		c.LockUp()
		return
	}
	c.exceptionEntry(kind, ret)
	if c.ctrl&dhcsrDebugEn == 0 || c.lockup {
		return
	}
	// Vector catch (C1.6.5): halt on entry to the handler.
	var vc uint32
	switch {
	case kind == 3:
		vc = demcrVCHardErr
	case kind == 5:
		vc = demcrVCBusErr
	case kind == 6 && c.cfsr&cfsrNOCP != 0:
		vc = demcrVCNoCPErr
	case kind == 6:
		vc = demcrVCStatErr | demcrVCChkErr
	case kind == 4:
		vc = demcrVCMMErr
	}
	if c.demcr&vc != 0 {
		c.enterDebug(HaltVCatch)
	}
}

func (c *Core) write32(a, v uint32) bool {
	_, err := c.x.cfg.Bus.Write(a, 4, v)
	return err == nil
}

func (c *Core) read32(a uint32) (uint32, bool) {
	v, _, err := c.x.cfg.Bus.Read(a, 4)
	return v, err == nil
}

// exceptionEntry stacks the basic frame, switches to Handler mode on the
// main stack and fetches the vector (B1.5.6). A stacking or vector fault
// locks the core up: this model has no derived-fault escalation.
func (c *Core) exceptionEntry(n int, ret uint32) {
	spi := c.spIndex()
	sp := c.regs[spi]
	xpsr := c.regs[RegXPSR]
	if sp&4 != 0 { // 8-byte frame alignment (CCR.STKALIGN; always on v6-M)
		sp -= 4
		xpsr |= 1 << 9
	}
	sp -= 32
	frame := [8]uint32{c.regs[0], c.regs[1], c.regs[2], c.regs[3], c.regs[12], c.regs[RegLR], ret &^ 1, xpsr}
	for i, v := range frame {
		if !c.write32(sp+uint32(4*i), v) {
			c.LockUp()
			return
		}
	}
	c.regs[spi] = sp
	switch {
	case c.ipsr() != 0:
		c.regs[RegLR] = 0xFFFFFFF1
	case spi == RegPSP:
		c.regs[RegLR] = 0xFFFFFFFD
	default:
		c.regs[RegLR] = 0xFFFFFFF9
	}
	vec, ok := c.read32(c.vtor + uint32(4*n))
	if !ok {
		c.hfsr |= hfsrVECTTBL
		c.LockUp()
		return
	}
	c.regs[RegSpecial] &^= 2 << 24 // Handler mode uses MSP
	c.regs[RegXPSR] = (vec&1)<<24 | uint32(n)
	c.regs[RegPC] = vec &^ 1
	c.x.event = true // exception entry sets the event register (B1.5.18)
	c.x.t += cyclesToTime(c.entryCycles(), c.hz())
}

// entryCycles is the exception entry latency with zero-wait-state memory:
// 12 cycles on the Cortex-M3 and M4, 16 on the M0 (ARM's figures, as in
// the Cortex-M3 TRM "Interrupt latency" and the Cortex-M0 TRM §5.3).
func (c *Core) entryCycles() uint64 {
	if c.v6 {
		return 16
	}
	return 12
}

// exceptionReturn unstacks a frame for EXC_RETURN value excret (B1.5.8).
func (c *Core) exceptionReturn(excret uint32) {
	var spi int
	switch excret & 0xF {
	case 0x1:
		spi = RegMSP
	case 0x9:
		spi = RegMSP
	case 0xD:
		spi = RegPSP
	default:
		c.fault(6, cfsrINVPC, false, 0)
		return
	}
	sp := c.regs[spi]
	var f [8]uint32
	for i := range f {
		v, ok := c.read32(sp + uint32(4*i))
		if !ok {
			c.LockUp()
			return
		}
		f[i] = v
	}
	sp += 32
	if f[7]&(1<<9) != 0 {
		sp += 4
	}
	c.regs[spi] = sp
	c.regs[0], c.regs[1], c.regs[2], c.regs[3], c.regs[12], c.regs[RegLR] = f[0], f[1], f[2], f[3], f[4], f[5]
	c.regs[RegPC] = f[6] &^ 1
	c.regs[RegXPSR] = f[7] &^ (1 << 9)
	if excret&0xF == 0xD {
		c.regs[RegSpecial] |= 2 << 24
	}
	if excret&8 == 0 && c.ipsr() == 0 || excret&8 != 0 && c.ipsr() != 0 {
		c.fault(6, cfsrINVPC, false, 0) // frame IPSR disagrees with the return mode
		return
	}
	c.x.event = true
}
