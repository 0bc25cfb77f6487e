package cmsisdap

import (
	"encoding/binary"
	"time"
)

// Command IDs (ref_dap.txt; probes.md §1.2).
const (
	cmdInfo             = 0x00
	cmdHostStatus       = 0x01
	cmdConnect          = 0x02
	cmdDisconnect       = 0x03
	cmdTransferConfig   = 0x04
	cmdTransfer         = 0x05
	cmdTransferBlock    = 0x06
	cmdTransferAbort    = 0x07
	cmdWriteABORT       = 0x08
	cmdDelay            = 0x09
	cmdResetTarget      = 0x0A
	cmdSWJPins          = 0x10
	cmdSWJClock         = 0x11
	cmdSWJSequence      = 0x12
	cmdSWDConfigure     = 0x13
	cmdJTAGSequence     = 0x14
	cmdJTAGConfigure    = 0x15
	cmdJTAGIDCode       = 0x16
	cmdSWDSequence      = 0x1D
	cmdQueueCommands    = 0x7E
	cmdExecuteCommands  = 0x7F
	statusOK            = 0x00
	statusError         = 0xFF
	invalidCommandReply = 0xFF
)

// reader walks a request. Reading past the end yields zeros, as the
// reference firmware reads its zero-padded packet buffer.
type reader struct {
	b   []byte
	pos int
}

func (r *reader) u8() uint8 {
	if r.pos >= len(r.b) {
		r.pos++
		return 0
	}
	v := r.b[r.pos]
	r.pos++
	return v
}

func (r *reader) u16() uint16 { return uint16(r.u8()) | uint16(r.u8())<<8 }
func (r *reader) u32() uint32 { return uint32(r.u16()) | uint32(r.u16())<<16 }

func (r *reader) bytes(n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = r.u8()
	}
	return out
}

func putU32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }

// execute runs one packet and returns its response.
func (f *Firmware) execute(p []byte) []byte {
	r := &reader{b: p}
	return f.command(r)
}

// command runs the command at r and returns its response; r advances past
// the request's bytes.
func (f *Firmware) command(r *reader) []byte {
	id := r.u8()
	resp := []byte{id}
	switch id {
	case cmdInfo:
		return append(resp, f.info(r.u8())...)
	case cmdHostStatus:
		r.u8()
		r.u8()
		return append(resp, statusOK)
	case cmdConnect:
		return append(resp, f.connect(r.u8()))
	case cmdDisconnect:
		f.port = 0
		return append(resp, statusOK)
	case cmdTransferConfig:
		f.idle = r.u8()
		f.waitRetry = r.u16()
		f.matchRetr = r.u16()
		return append(resp, statusOK)
	case cmdTransfer:
		return append(resp, f.transfer(r)...)
	case cmdTransferBlock:
		return append(resp, f.transferBlock(r)...)
	case cmdTransferAbort:
		// Transfers run to completion inside one packet here, so there is
		// never one in progress to abort; the command has no response.
		return nil
	case cmdWriteABORT:
		r.u8() // DAP index (JTAG)
		return append(resp, f.writeAbort(r.u32()))
	case cmdDelay:
		f.delay(time.Duration(r.u16()) * time.Microsecond)
		return append(resp, statusOK)
	case cmdResetTarget:
		return append(resp, f.resetTarget()...)
	case cmdSWJPins:
		return append(resp, f.swjPins(r.u8(), r.u8(), r.u32()))
	case cmdSWJClock:
		hz := r.u32()
		if hz == 0 {
			return append(resp, statusError)
		}
		f.setClock(hz)
		return append(resp, statusOK)
	case cmdSWJSequence:
		return append(resp, f.swjSequence(r))
	case cmdSWDConfigure:
		cfg := r.u8()
		if f.cfg.SWD != nil {
			f.cfg.SWD.Configure(int(cfg&0x03)+1, cfg&0x04 != 0)
		}
		return append(resp, statusOK)
	case cmdSWDSequence:
		return append(resp, f.swdSequence(r)...)
	case cmdJTAGSequence:
		return append(resp, f.jtagSequence(r)...)
	case cmdJTAGConfigure:
		return append(resp, f.jtagConfigure(r))
	case cmdJTAGIDCode:
		return append(resp, f.jtagIDCode(r.u8())...)
	case cmdExecuteCommands:
		n := r.u8()
		resp = append(resp, n)
		for range n {
			resp = append(resp, f.command(r)...)
		}
		return resp
	}
	return []byte{invalidCommandReply}
}

// connect selects the wire: 0 default (SWD), 1 SWD, 2 JTAG; 0 = failed.
func (f *Firmware) connect(port uint8) uint8 {
	switch {
	case (port == 0 || port == 1) && f.cfg.SWD != nil:
		f.port = 1
	case port == 2 && f.cfg.JTAG != nil:
		f.port = 2
	default:
		f.port = 0
	}
	return f.port
}

func (f *Firmware) resetTarget() []byte {
	if f.cfg.Reset == nil {
		return []byte{statusOK, 0} // no device-specific reset sequence
	}
	f.cfg.Reset(true)
	f.delay(time.Millisecond)
	f.cfg.Reset(false)
	return []byte{statusOK, 1}
}

// SWJ pin bits.
const (
	pinSWCLK  = 1 << 0
	pinSWDIO  = 1 << 1
	pinTDI    = 1 << 2
	pinTDO    = 1 << 3
	pinNTRST  = 1 << 5
	pinNRESET = 1 << 7
)

// swjPins drives the selected pins and returns the pin states. Only nRESET
// (and nTRST on JTAG) reach the target here; clock and data pins read back
// as the host left them.
func (f *Firmware) swjPins(out, sel uint8, waitUS uint32) uint8 {
	if sel&pinNRESET != 0 {
		f.resetLow = out&pinNRESET == 0
		if f.cfg.Reset != nil {
			f.cfg.Reset(f.resetLow)
		}
	}
	if sel&pinNTRST != 0 && f.cfg.JTAG != nil {
		f.cfg.JTAG.SetTRST(out&pinNTRST == 0)
	}
	if waitUS > 0 {
		// The firmware waits until the selected inputs match what was
		// driven; simulated pins settle within a microsecond.
		f.delay(time.Microsecond)
	}
	in := uint8(pinSWCLK | pinSWDIO | pinTDI | pinTDO | pinNTRST)
	powered := f.cfg.Voltage == nil || f.cfg.Voltage() > 1.0
	if !f.resetLow && powered {
		in |= pinNRESET // pulled up on the board
	}
	return in
}

func (f *Firmware) writeAbort(v uint32) uint8 {
	if f.port == 2 {
		if f.jtagWriteAbort(v) {
			return statusOK
		}
		return statusError
	}
	if f.cfg.SWD == nil {
		return statusError
	}
	ack, _ := f.swdTransfer(0x00, v) // DP write, A=0: ABORT
	if ack != ackOK {
		return statusError
	}
	return statusOK
}
