package stlink

import (
	"errors"
	"fmt"

	"github.com/flashstation/flashstation/drivers"
)

// Status is the first byte of a DEBUG (F2) reply (probes.md §2.4; OpenOCD
// stlink_usb_error_check; probe-rs stlink/constants.rs Status).
type Status uint8

const (
	StatusOK              Status = 0x80
	StatusFault           Status = 0x81
	StatusNoDevice        Status = 0x05
	StatusCmdError        Status = 0x08
	StatusGetIDCodeError  Status = 0x09
	StatusAlignment       Status = 0x0A
	StatusDbgPower        Status = 0x0B
	StatusWriteError      Status = 0x0C
	StatusWriteVerify     Status = 0x0D
	StatusOpenedOtherMode Status = 0x0E
	StatusAPWait          Status = 0x10
	StatusAPFault         Status = 0x11
	StatusAPError         Status = 0x12
	StatusAPParity        Status = 0x13
	StatusDPWait          Status = 0x14
	StatusDPFault         Status = 0x15
	StatusDPError         Status = 0x16
	StatusDPParity        Status = 0x17
	StatusAPWData         Status = 0x18
	StatusAPSticky        Status = 0x19
	StatusAPStickyOverrun Status = 0x1A
	StatusBadAP           Status = 0x1D
	StatusFreqUnsupported Status = 0x41
	StatusUnknownCommand  Status = 0x42
)

// Error classes a StatusError unwraps to, so callers can tell "nothing is
// there" from "something is there but refused" without knowing ST codes.
var (
	// ErrNoTarget: nothing answers on the SWD lines.
	// It is drivers.ErrNoTarget, so chip families test it without naming
	// this driver.
	ErrNoTarget = drivers.ErrNoTarget
	// ErrWait: the target kept answering WAIT after every retry.
	// It is drivers.ErrWait.
	ErrWait = drivers.ErrWait
	// ErrFault: the target answered FAULT (bus error, protected or unmapped memory).
	ErrFault = errors.New("target answered FAULT")
	// ErrWire: garbled SWD traffic (parity, no valid ACK).
	ErrWire = errors.New("SWD communication error")
	// ErrProbe: the probe refused the command itself.
	ErrProbe = errors.New("ST-Link refused the command")
)

type statusInfo struct {
	name  string
	class error
	hint  string
}

var statuses = map[Status]statusInfo{
	StatusFault:           {"FAULT", ErrFault, "the target refused the access"},
	StatusNoDevice:        {"NO_DEVICE_CONNECTED", ErrNoTarget, ""},
	StatusCmdError:        {"CMD_ERROR", ErrProbe, "the probe did not accept the command"},
	StatusGetIDCodeError:  {"GET_IDCODE_ERROR", ErrNoTarget, ""},
	StatusAlignment:       {"ALIGNMENT_ERROR", ErrProbe, "address or length not aligned to the access size"},
	StatusDbgPower:        {"DBG_POWER_ERROR", ErrWire, "the debug port did not power up: check target power and wiring"},
	StatusWriteError:      {"WRITE_ERROR", ErrFault, "the write did not complete"},
	StatusOpenedOtherMode: {"ALREADY_OPENED_IN_OTHER_MODE", ErrProbe, "another program may be using this probe"},
	StatusAPWait:          {"SWD_AP_WAIT", ErrWait, "the target may be in a low-power mode or held in reset"},
	StatusAPFault:         {"SWD_AP_FAULT", ErrFault, "unmapped address, or memory locked by readout protection"},
	StatusAPError:         {"SWD_AP_ERROR", ErrWire, "check wiring and target power, or lower the SWD clock"},
	StatusAPParity:        {"SWD_AP_PARITY_ERROR", ErrWire, "signal integrity: shorten the cable or lower the SWD clock"},
	StatusDPWait:          {"SWD_DP_WAIT", ErrWait, "the target may be in a low-power mode or held in reset"},
	StatusDPFault:         {"SWD_DP_FAULT", ErrFault, "the debug port refused the access"},
	StatusDPError:         {"SWD_DP_ERROR", ErrNoTarget, ""},
	StatusDPParity:        {"SWD_DP_PARITY_ERROR", ErrWire, "signal integrity: shorten the cable or lower the SWD clock"},
	StatusAPWData:         {"SWD_AP_WDATA_ERROR", ErrWire, "write data corrupted on the wire: lower the SWD clock"},
	StatusAPSticky:        {"SWD_AP_STICKY_ERROR", ErrFault, "an earlier access failed (sticky error)"},
	StatusAPStickyOverrun: {"SWD_AP_STICKYORUN_ERROR", ErrFault, "an access overran (sticky overrun)"},
	StatusBadAP:           {"BAD_AP", ErrFault, "no such access port on this target"},
	StatusFreqUnsupported: {"FREQ_NOT_SUPPORTED", ErrProbe, "choose another SWD clock"},
	StatusUnknownCommand:  {"UNKNOWN_COMMAND", ErrProbe, "this firmware does not know the command: update the ST-Link firmware"},
}

func (s Status) String() string {
	if s == StatusOK {
		return "OK"
	}
	if s == StatusWriteVerify {
		return "WRITE_VERIFY_ERROR"
	}
	if i, ok := statuses[s]; ok {
		return i.name
	}
	return fmt.Sprintf("status 0x%02x", uint8(s))
}

// ok reports statuses that mean success. OpenOCD treats WRITE_VERIFY_ERROR
// (0x0D) as success ("ignoring"), and so does this driver.
func (s Status) ok() bool { return s == StatusOK || s == StatusWriteVerify }

func (s Status) isWait() bool { return s == StatusAPWait || s == StatusDPWait }

// StatusError is a DEBUG command that the probe answered with a failure
// status. Op says what was being done, naming the address where there is one.
type StatusError struct {
	Op     string
	Status Status
}

func (e *StatusError) Error() string {
	i, known := statuses[e.Status]
	switch {
	case !known:
		return fmt.Sprintf("stlink: %s: probe answered unknown status 0x%02x", e.Op, uint8(e.Status))
	case i.class == ErrNoTarget:
		return fmt.Sprintf("stlink: %s: %s (%s 0x%02x)", e.Op, ErrNoTarget, i.name, uint8(e.Status))
	default:
		return fmt.Sprintf("stlink: %s: %s (%s 0x%02x): %s", e.Op, i.class, i.name, uint8(e.Status), i.hint)
	}
}

// Unwrap gives the error class (ErrNoTarget, ErrWait, ErrFault, ErrWire, ErrProbe).
func (e *StatusError) Unwrap() error {
	if i, ok := statuses[e.Status]; ok {
		return i.class
	}
	return ErrProbe
}

// checkStatus turns a reply's first byte into nil or a *StatusError.
func checkStatus(op string, reply []byte) error {
	if len(reply) == 0 {
		return fmt.Errorf("stlink: %s: empty reply, want a status byte", op)
	}
	if s := Status(reply[0]); !s.ok() {
		return &StatusError{Op: op, Status: s}
	}
	return nil
}
