package stlink

// Status codes the firmware answers with (OpenOCD stlink_usb.c, pyOCD
// probe/stlink/constants.py, probe-rs probe/stlink/constants.rs).
const (
	statusOK          = 0x80
	statusFault       = 0x81 // generic failure of a core command
	statusNoDevice    = 0x05
	statusCmdError    = 0x08
	statusIDCodeError = 0x09
	statusAlignment   = 0x0A
	statusDbgPower    = 0x0B
	statusAPWait      = 0x10
	statusAPFault     = 0x11
	statusAPError     = 0x12
	statusAPParity    = 0x13
	statusDPWait      = 0x14
	statusDPFault     = 0x15
	statusDPError     = 0x16
	statusDPParity    = 0x17
	statusBadAP       = 0x1D
	statusUnknownCmd  = 0x42
)

// SWD ACKs as read on the wire.
const (
	ackOK    = 0x1
	ackWait  = 0x2
	ackFault = 0x4
)

// DP registers (address bits A[3:2]) and the values the firmware writes.
const (
	dpIDR      = 0x0 // read DPIDR / write ABORT
	dpCtrlStat = 0x4
	dpSelect   = 0x8
	dpRDBUFF   = 0xC

	abortDAPAbort = 0x01
	abortClearAll = 0x1E // STKCMPCLR | STKERRCLR | WDERRCLR | ORUNERRCLR
	powerUpReq    = 0x50000000
	powerUpAck    = 0xA0000000
)

// waitRetries bounds how often the firmware repeats a packet the target
// answered WAIT before it gives up and reports SWD_AP_WAIT / SWD_DP_WAIT.
// Each retry costs its wire time on the clock.
const waitRetries = 100

// powerPolls bounds the CTRL/STAT reads waiting for the power-up ACKs.
const powerPolls = 100

// dpState is what the firmware remembers of the debug port between
// commands, so it can skip SELECT and CSW writes that would change nothing.
type dpState struct {
	up    bool // debug mode entered and the debug domain powered
	sel   uint32
	selOK bool
	csw   uint32
	cswAP uint8
	cswOK bool
	open  [4]uint64 // APs opened by INIT_AP, one bit per APSEL
}

func (d *dpState) isOpen(ap uint8) bool { return d.open[ap>>6]&(1<<(ap&63)) != 0 }
func (d *dpState) setOpen(ap uint8, on bool) {
	if on {
		d.open[ap>>6] |= 1 << (ap & 63)
	} else {
		d.open[ap>>6] &^= 1 << (ap & 63)
	}
}

// Line sequences, LSB first (ADIv5 B4.3): a line reset is at least 50
// ones then idle; the JTAG-to-SWD switch sends 0xE79E between two resets.
var (
	seqLineReset = [...]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}
	seqJTAGToSWD = [...]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x9E, 0xE7,
		0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}
)

// request is the 8-bit SWD request: start, APnDP, RnW, A[3:2], even
// parity over those four, stop 0, park 1.
func request(ap, read bool, a uint8) uint8 {
	nib := (a >> 2 & 3) << 2
	if ap {
		nib |= 1
	}
	if read {
		nib |= 2
	}
	p := (nib ^ nib>>1 ^ nib>>2 ^ nib>>3) & 1
	return 0x81 | nib<<1 | p<<5
}

// xfer runs one packet, repeating it while the target answers WAIT, and
// turns the outcome into the firmware's status code.
func (f *Firmware) xfer(ap, read bool, a uint8, w uint32) (uint32, uint8) {
	if f.cfg.SWD == nil {
		return 0, wireStatus(ap, 0x7, true)
	}
	req := request(ap, read, a)
	for try := 0; ; try++ {
		ack, v, parityOK := f.cfg.SWD.Transfer(req, w)
		if ack != ackWait || try == waitRetries {
			return v, wireStatus(ap, ack, parityOK || !read)
		}
	}
}

func wireStatus(ap bool, ack uint8, parityOK bool) uint8 {
	var s uint8
	switch ack {
	case ackOK:
		if parityOK {
			return statusOK
		}
		s = statusDPParity
	case ackWait:
		s = statusDPWait
	case ackFault:
		s = statusDPFault
	default: // no ACK or a protocol error
		s = statusDPError
	}
	if ap {
		s -= 4 // each AP code sits 4 below its DP twin (0x10..0x13 vs 0x14..0x17)
	}
	return s
}

func (f *Firmware) dpRead(a uint8) (uint32, uint8)  { return f.xfer(false, true, a, 0) }
func (f *Firmware) dpWrite(a uint8, v uint32) uint8 { _, s := f.xfer(false, false, a, v); return s }

// apRead is a posted read: it returns the previous AP read's value.
func (f *Firmware) apRead(a uint8) (uint32, uint8)  { return f.xfer(true, true, a&0xC, 0) }
func (f *Firmware) apWrite(a uint8, v uint32) uint8 { _, s := f.xfer(true, false, a&0xC, v); return s }

// selectReg points SELECT at an AP and register bank (or a DP bank),
// writing it only when it changes.
func (f *Firmware) selectReg(v uint32) uint8 {
	if f.dp.selOK && f.dp.sel == v {
		return statusOK
	}
	s := f.dpWrite(dpSelect, v)
	f.dp.sel, f.dp.selOK = v, s == statusOK
	return s
}

// clearSticky writes ABORT so the next command is not refused for a fault
// this one already reported.
func (f *Firmware) clearSticky() { f.dpWrite(dpIDR, abortClearAll) }

// connect is what DEBUG ENTER (SWD) does on the wire: switch the target
// from JTAG to SWD, read DPIDR (the only access valid after a line
// reset), clear sticky errors, and power up the debug domain.
func (f *Firmware) connect() uint8 {
	open := f.dp.open
	f.dp = dpState{open: open}
	if f.cfg.SWD == nil {
		return statusIDCodeError
	}
	f.cfg.SWD.Out(136, seqJTAGToSWD[:])
	if _, s := f.dpRead(dpIDR); s != statusOK {
		return statusIDCodeError
	}
	f.clearSticky()
	if s := f.dpWrite(dpCtrlStat, powerUpReq); s != statusOK {
		return s
	}
	for range powerPolls {
		v, s := f.dpRead(dpCtrlStat)
		if s == statusOK && v&powerUpAck == powerUpAck {
			f.dp.up = true
			return statusOK
		}
	}
	return statusDbgPower
}

// readIDCode is READ_IDCODES on SWD: a line reset and a DPIDR read.
func (f *Firmware) readIDCode() (uint32, uint8) {
	if f.cfg.SWD == nil {
		return 0, statusIDCodeError
	}
	f.cfg.SWD.Out(64, seqLineReset[:])
	f.dp.selOK, f.dp.cswOK = false, false
	v, s := f.dpRead(dpIDR)
	if s != statusOK {
		return 0, statusIDCodeError
	}
	return v, statusOK
}
