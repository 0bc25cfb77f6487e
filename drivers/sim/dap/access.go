package dap

import (
	"errors"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// accessPort is an AP as the DP drives it. reg is the AP register address
// (APBANKSEL and A[3:2]). stall is extra bus time; err is hw.ErrBusFault or
// a *hw.WaitError.
type accessPort interface {
	readAP(reg uint8) (v uint32, stall time.Duration, err error)
	writeAP(reg uint8, v uint32) (stall time.Duration, err error)
	reset()
}

// customAP adapts a chip's hw.AP (the nRF52 CTRL-AP); IDR comes from the spec.
type customAP struct {
	ap  hw.AP
	idr uint32
}

func (c *customAP) readAP(reg uint8) (uint32, time.Duration, error) {
	if reg == 0xFC {
		return c.idr, 0, nil
	}
	v, err := c.ap.ReadAP(reg)
	return v, 0, err
}

func (c *customAP) writeAP(reg uint8, v uint32) (time.Duration, error) {
	return 0, c.ap.WriteAP(reg, v)
}

func (c *customAP) reset() {}

// waitUntil extracts a *hw.WaitError's time without reflection on the
// common unwrapped case.
func waitUntil(err error) (time.Duration, bool) {
	if we, ok := err.(*hw.WaitError); ok {
		return we.Until, true
	}
	var we *hw.WaitError
	if errors.As(err, &we) {
		return we.Until, true
	}
	return 0, false
}

// exempt lists the DP accesses that are answered even while an AP access
// is in progress or a sticky flag is set, so a host can always read the ID
// and status and abort (ADIv5 B4.2.3: DPIDR read, CTRL/STAT read, ABORT
// write).
func exempt(ap, rnw bool, a uint8) bool {
	return !ap && (rnw && (a == 0 || a == 4) || !rnw && a == 0)
}

// gate decides FAULT or WAIT for an SWD request before it is performed.
func (d *DP) gate(ap, rnw bool, a uint8) uint8 {
	if exempt(ap, rnw, a) {
		return AckOK
	}
	ack := AckOK
	if d.stickySet() {
		ack = AckFault
	} else if d.busy() {
		ack = AckWait
	}
	if ack != AckOK && d.ctrl&CtrlOrunDetect != 0 {
		d.ctrl |= CtrlStickyOrun
	}
	return ack
}

// apRead starts an AP read for both transports. wait reports that the AP
// refused it (hw.WaitError): nothing happened and the DP must answer WAIT.
func (d *DP) apRead(apsel, reg uint8) (v uint32, wait bool) {
	if int(apsel) >= len(d.aps) || d.aps[apsel] == nil {
		return 0, false // no AP at APSEL: reads as zero, so IDR 0 ends an AP scan
	}
	if d.ctrl&CtrlCDbgPwrUpReq == 0 {
		d.ctrl |= CtrlStickyErr // debug domain powered down
		return 0, false
	}
	v, stall, err := d.aps[apsel].readAP(reg)
	if err != nil {
		if until, ok := waitUntil(err); ok {
			d.busyUntil = until
			return 0, true
		}
		d.ctrl |= CtrlStickyErr
		return 0, false
	}
	if stall > 0 {
		d.busyUntil = d.clk.Now() + stall
	}
	return v, false
}

// apWrite performs an AP write; an AP that asks for time gets the write
// replayed later (pendingAccess).
func (d *DP) apWrite(apsel, reg uint8, v uint32) {
	if int(apsel) >= len(d.aps) || d.aps[apsel] == nil {
		return // no AP here: writes are ignored
	}
	if d.ctrl&CtrlCDbgPwrUpReq == 0 {
		d.ctrl |= CtrlStickyErr
		return
	}
	stall, err := d.aps[apsel].writeAP(reg, v)
	if err != nil {
		if until, ok := waitUntil(err); ok {
			d.busyUntil = until
			d.pend = pendingAccess{set: true, apsel: apsel, reg: reg, value: v}
			return
		}
		d.ctrl |= CtrlStickyErr
		return
	}
	if stall > 0 {
		d.busyUntil = d.clk.Now() + stall
	}
}

// replayPending retries an access an AP refused with hw.WaitError, once
// its time has come.
func (d *DP) replayPending() {
	p := d.pend
	d.pend = pendingAccess{}
	if p.read {
		v, wait := d.apRead(p.apsel, p.reg)
		if wait {
			d.pend = p
			return
		}
		d.jtagPosted = v
		return
	}
	d.apWrite(p.apsel, p.reg, p.value)
}

func (d *DP) apsel() uint8 { return uint8(d.sel >> 24) }

func (d *DP) apReg(a uint8) uint8 { return uint8(d.sel&0xF0) | a&0xC }

// swdRead performs an SWD read request: ACK and data. AP reads are posted:
// the data is the previous AP read's result and this read's result waits
// in RDBUFF (ADIv5 B4.2: posted AP reads).
func (d *DP) swdRead(ap bool, a uint8) (uint8, uint32) {
	if ack := d.gate(ap, true, a); ack != AckOK {
		return ack, 0
	}
	if !ap {
		switch a {
		case 0x0:
			return AckOK, d.spec.DPIDR
		case 0x4:
			return AckOK, d.readBanked()
		case 0x8:
			return AckOK, d.resend
		default: // RDBUFF
			d.resend = d.rdbuff
			d.ctrl |= CtrlReadOK
			return AckOK, d.rdbuff
		}
	}
	v, wait := d.apRead(d.apsel(), d.apReg(a))
	if wait {
		if d.ctrl&CtrlOrunDetect != 0 {
			d.ctrl |= CtrlStickyOrun
		}
		return AckWait, 0
	}
	prev := d.rdbuff
	d.rdbuff = v
	d.resend = prev
	d.ctrl |= CtrlReadOK
	return AckOK, prev
}

// swdWrite performs the data phase of an acknowledged SWD write.
func (d *DP) swdWrite(ap bool, a uint8, v uint32) {
	if ap {
		d.apWrite(d.apsel(), d.apReg(a), v)
		return
	}
	switch a {
	case 0x0:
		d.writeAbort(v)
	case 0x4:
		d.writeBanked(v, false)
	case 0x8:
		d.sel = v
	default:
		// TARGETSEL outside the reset state is UNPREDICTABLE (ADIv5
		// B4.3.4); like Arm's own SW-DP designs we treat it as a protocol
		// error.
		d.link = linkLockout
	}
}
