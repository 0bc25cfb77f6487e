package cmsisdap

import (
	"errors"
	"fmt"

	"github.com/flashstation/flashstation/drivers"
)

// Errors wrapped by this package's failures; test them with errors.Is.
var (
	// ErrNoTarget: the target did not drive an ACK (no board, no power,
	// broken wiring). It is drivers.ErrNoTarget, so chip families test it
	// without naming this driver.
	ErrNoTarget = drivers.ErrNoTarget
	// ErrWait: the target answered WAIT for all the configured retries
	// (drivers.ErrWait).
	ErrWait = drivers.ErrWait
	// ErrFault: the target answered FAULT (bus error, absent AP, sticky
	// error set).
	ErrFault = errors.New("target answered FAULT")
	// ErrProtocol: parity or protocol error on the SWD wire.
	ErrProtocol = errors.New("SWD protocol error (parity or bad ACK): check the wiring or lower the clock")
	// ErrMismatch: a value-match read never saw the wanted value.
	ErrMismatch = errors.New("value never matched")
	// ErrCommandFailed: the probe answered a command with an error status.
	ErrCommandFailed = errors.New("probe reported an error")
	// ErrUnsupported: the probe lacks a command or capability.
	ErrUnsupported = errors.New("not supported by this probe")
	// ErrBadReply: the probe's reply is malformed (wrong echo, too short).
	ErrBadReply = errors.New("malformed reply from probe")
)

// SWD ACK values as DAP_Transfer reports them in response bits 2:0.
const (
	AckOK    uint8 = 1
	AckWait  uint8 = 2
	AckFault uint8 = 4
	AckNone  uint8 = 7
)

// Bits of the DAP_Transfer response byte above the ACK.
const (
	respProtocolError = 0x08
	respMismatch      = 0x10
)

// TransferError is a DP or AP access the target did not complete.
type TransferError struct {
	// Response is the raw DAP_Transfer response byte.
	Response uint8
	// Index is the failing op's position in the caller's batch (for
	// BlockRead/BlockWrite: the word index); -1 when unknown.
	Index int
	AP    bool
	APSel uint8
	Addr  uint8
	Write bool
	// Retries is the WAIT retry count the probe was configured with.
	Retries int
}

// Ack is the 3-bit SWD acknowledge.
func (e *TransferError) Ack() uint8 { return e.Response & 7 }

func (e *TransferError) kind() error {
	switch {
	case e.Response&respMismatch != 0:
		return ErrMismatch
	case e.Response&respProtocolError != 0:
		return ErrProtocol
	case e.Ack() == AckWait:
		return ErrWait
	case e.Ack() == AckFault:
		return ErrFault
	case e.Ack() == AckNone || e.Ack() == 0:
		return ErrNoTarget
	}
	return ErrProtocol
}

// Unwrap lets errors.Is find the kind (ErrNoTarget, ErrWait, …).
func (e *TransferError) Unwrap() error { return e.kind() }

func (e *TransferError) what() string {
	dir := "read"
	if e.Write {
		dir = "write"
	}
	if e.AP {
		return fmt.Sprintf("AP %d %s 0x%02X", e.APSel, dir, e.Addr)
	}
	return fmt.Sprintf("DP %s 0x%X", dir, e.Addr)
}

func (e *TransferError) Error() string {
	k := e.kind()
	switch k {
	case ErrWait:
		return fmt.Sprintf("cmsisdap: %s for %d retries (%s)", k, e.Retries, e.what())
	case ErrFault:
		return fmt.Sprintf("cmsisdap: %s on %s", k, e.what())
	}
	return fmt.Sprintf("cmsisdap: %s (%s, response 0x%02x)", k, e.what(), e.Response)
}
