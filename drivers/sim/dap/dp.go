package dap

import (
	"time"

	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// SWD ACK values as the host reads them (ADIv5 B4.2.2, LSB first on the
// wire): OK 0b001, WAIT 0b010, FAULT 0b100; nobody driving reads 0b111.
const (
	AckOK    uint8 = 0b001
	AckWait  uint8 = 0b010
	AckFault uint8 = 0b100
	AckNone  uint8 = 0b111
)

// CTRL/STAT bits (ADIv5 B2.2.2).
const (
	CtrlOrunDetect   uint32 = 1 << 0
	CtrlStickyOrun   uint32 = 1 << 1
	CtrlStickyCmp    uint32 = 1 << 4
	CtrlStickyErr    uint32 = 1 << 5
	CtrlReadOK       uint32 = 1 << 6
	CtrlWDataErr     uint32 = 1 << 7
	CtrlCDbgRstReq   uint32 = 1 << 26
	CtrlCDbgRstAck   uint32 = 1 << 27
	CtrlCDbgPwrUpReq uint32 = 1 << 28
	CtrlCDbgPwrUpAck uint32 = 1 << 29
	CtrlCSysPwrUpReq uint32 = 1 << 30
	CtrlCSysPwrUpAck uint32 = 1 << 31

	stickyMask = CtrlStickyOrun | CtrlStickyCmp | CtrlStickyErr | CtrlWDataErr
	// Bits the host may write: ORUNDETECT, TRNMODE, MASKLANE and the three
	// requests. The ACKs and sticky flags are status.
	ctrlWritable = CtrlOrunDetect | 0x3<<2 | 0xF<<8 | CtrlCDbgRstReq | CtrlCDbgPwrUpReq | CtrlCSysPwrUpReq
)

// ABORT bits (ADIv5 B2.2.1).
const (
	AbortDAPAbort   uint32 = 1 << 0
	AbortStkCmpClr  uint32 = 1 << 1
	AbortStkErrClr  uint32 = 1 << 2
	AbortWDErrClr   uint32 = 1 << 3
	AbortOrunErrClr uint32 = 1 << 4
)

// link is the SW-DP link state (ADIv5 B4.3; names as in IHI0031).
type link uint8

const (
	linkReset   link = iota // after a line reset: only DPIDR read or TARGETSEL
	linkActive              // talking
	linkLockout             // protocol error or deselected: silent until line reset
	linkDormant             // DPv2: silent until selection alert + activation code
	linkJTAG                // SWJ-DP in JTAG mode: SWD packets mean nothing
)

// DP is one simulated debug port: its registers, its APs and the state both
// wires (SWD, JTAG) share. A DP is driven by one probe at a time and is not
// safe for concurrent use.
type DP struct {
	spec hw.DPSpec
	clk  *clock.Clock
	aps  []accessPort

	powered bool
	ctrl    uint32 // writable bits and sticky flags; ACKs are derived
	sel     uint32
	dlcr    uint32
	rdbuff  uint32 // result of the last AP read
	resend  uint32 // last AP read or RDBUFF data returned (SWD RESEND)

	// busyUntil gates WAIT: an AP access stalled the bus, or an AP asked
	// for time (hw.WaitError). abortedUntil keeps CSW.TrInProg set after a
	// DAPABORT while the abandoned bus transfer finishes.
	busyUntil    time.Duration
	abortedUntil time.Duration
	pend         pendingAccess

	link link // SWD link state
	swj  bool // SWJ-DP: powers up in JTAG mode

	jtagPosted uint32 // JTAG-DP: result the next DPACC/APACC capture returns

	// Owned by the SWD wire while a packet is on it.
	wireResp bool  // answering the current packet
	wireAck  uint8 // with this ACK
	wireSel  bool  // reading the current TARGETSEL
}

// pendingAccess is an AP access an AP refused with hw.WaitError after the
// DP had already accepted it (SWD acknowledges writes before their data;
// JTAG-DP acknowledges at the next scan). It is replayed once the AP's time
// has passed; until then the DP answers WAIT.
type pendingAccess struct {
	set   bool
	read  bool
	apsel uint8
	reg   uint8
	value uint32
}

// NewDP builds a DP from its description. clk is the probe's clock (the DP
// reads it to decide WAIT; the wires advance it).
func NewDP(spec hw.DPSpec, clk *clock.Clock) *DP {
	d := &DP{spec: spec, clk: clk, powered: true}
	d.aps = make([]accessPort, len(spec.APs))
	for i := range spec.APs {
		a := &spec.APs[i]
		switch {
		case a.Mem != nil:
			d.aps[i] = newMemAP(a.Mem, d)
		case a.Custom != nil:
			d.aps[i] = &customAP{ap: a.Custom, idr: a.IDR}
		}
	}
	d.powerOnReset()
	return d
}

// Spec returns the description the DP was built from.
func (d *DP) Spec() hw.DPSpec { return d.spec }

// SetSWJ marks the DP as an SWJ-DP (STM32): after power-on it listens to
// JTAG, and SWD needs the JTAG-to-SWD sequence first (ADIv5 B5.2).
func (d *DP) SetSWJ(on bool) {
	d.swj = on
	switch {
	case on && d.link != linkActive:
		d.link = linkJTAG
	case !on && d.link == linkJTAG:
		d.link = linkLockout
	}
}

// SetPowered switches the debug power domain with the chip's supply. Off:
// the DP answers nothing. On: the DP comes up from its power-on reset.
func (d *DP) SetPowered(on bool) {
	if on && !d.powered {
		d.powerOnReset()
	}
	d.powered = on
}

// Powered reports whether the DP has power.
func (d *DP) Powered() bool { return d.powered }

// PowerOnReset returns the DP and its APs to their power-on state, as after
// the chip lost power. A system reset (nRESET, SYSRESETREQ) does not reset
// the DP, which is why debug survives it; fixtures call this only for power.
func (d *DP) PowerOnReset() { d.powerOnReset() }

func (d *DP) powerOnReset() {
	d.ctrl, d.sel, d.dlcr, d.rdbuff, d.resend = 0, 0, 0, 0, 0
	d.busyUntil, d.abortedUntil = 0, 0
	d.pend = pendingAccess{}
	d.jtagPosted = 0
	switch {
	case d.spec.Version >= 2:
		d.link = linkDormant // DPv2 multidrop targets power up dormant
	case d.swj:
		d.link = linkJTAG
	default:
		d.link = linkLockout // SW-DP needs a line reset before talking
	}
	for _, a := range d.aps {
		if a != nil {
			a.reset()
		}
	}
}

// CtrlStat is CTRL/STAT as the host would read it (for tests and fixtures).
func (d *DP) CtrlStat() uint32 {
	v := d.ctrl
	if v&CtrlCDbgPwrUpReq != 0 {
		v |= CtrlCDbgPwrUpAck
	}
	if v&CtrlCSysPwrUpReq != 0 {
		v |= CtrlCSysPwrUpAck
	}
	if v&CtrlCDbgRstReq != 0 {
		v |= CtrlCDbgRstAck
	}
	return v
}

// targetSel is the TARGETSEL value that selects this DP (ADIv5 B4.3.4).
func (d *DP) targetSel() uint32 {
	return uint32(d.spec.Instance)<<28 | d.spec.TargetID&0x0FFFFFFF
}

func (d *DP) writeCtrlStat(v uint32, jtag bool) {
	if jtag {
		// JTAG-DP clears sticky flags by writing 1 to them (ADIv5 B2.2.2).
		d.ctrl &^= v & stickyMask
	}
	d.ctrl = d.ctrl&^ctrlWritable | v&ctrlWritable
	if d.spec.OnCtrlStat != nil {
		d.spec.OnCtrlStat(v)
	}
}

func (d *DP) writeAbort(v uint32) {
	if v&AbortDAPAbort != 0 {
		// The transfer in flight is abandoned: no more WAIT, but the bus
		// keeps going until its time (CSW.TrInProg shows it).
		if now := d.clk.Now(); d.busyUntil > now {
			d.abortedUntil = d.busyUntil
			d.busyUntil = now
		}
		d.pend = pendingAccess{}
	}
	if v&AbortStkCmpClr != 0 {
		d.ctrl &^= CtrlStickyCmp
	}
	if v&AbortStkErrClr != 0 {
		d.ctrl &^= CtrlStickyErr
	}
	if v&AbortWDErrClr != 0 {
		d.ctrl &^= CtrlWDataErr
	}
	if v&AbortOrunErrClr != 0 {
		d.ctrl &^= CtrlStickyOrun
	}
}

// readBanked reads DP address 0x4 in the bank SELECT.DPBANKSEL names.
func (d *DP) readBanked() uint32 {
	bank := d.sel & 0xF
	if d.spec.Version < 1 && bank != 0 {
		bank = 0 // DPv0 has no DPBANKSEL
	}
	switch bank {
	case 0:
		return d.CtrlStat()
	case 1:
		// DLCR: TURNROUND in [9:8]; [7:6] read 0b01 (synchronous wire
		// mode, as the ADIv5.0 WCR defined them).
		return d.dlcr&0x300 | 0x40
	case 2:
		if d.spec.Version >= 2 {
			return d.spec.TargetID
		}
	case 3:
		if d.spec.Version >= 2 {
			// DLPIDR: TINSTANCE [31:28], PROTVSN [3:0] = 1 (SWD v2).
			return uint32(d.spec.Instance)<<28 | 1
		}
	}
	return 0 // EVENTSTAT (0: event seen) and reserved banks
}

func (d *DP) writeBanked(v uint32, jtag bool) {
	switch d.sel & 0xF {
	case 0:
		d.writeCtrlStat(v, jtag)
	case 1:
		d.dlcr = v & 0x300
	}
}

// stickySet reports a sticky flag that makes AP accesses FAULT.
func (d *DP) stickySet() bool { return d.ctrl&stickyMask != 0 }

// busy reports whether an AP access is still in progress (WAIT).
func (d *DP) busy() bool {
	if d.clk.Now() < d.busyUntil {
		return true
	}
	if d.pend.set {
		d.replayPending()
		return d.clk.Now() < d.busyUntil
	}
	return false
}
