package cmsisdap

import (
	"encoding/binary"
	"fmt"
)

// SWJ pin bits for DAP_SWJ_Pins.
const (
	pinSWCLK  uint8 = 1 << 0
	pinSWDIO  uint8 = 1 << 1
	pinNRESET uint8 = 1 << 7
)

// Line sequences, bits sent LSB first (ADIv5.2 B4.3, ADIv6 B5.3).
var (
	// seqJTAGToSWD: line reset, the 16-bit JTAG-to-SWD select 0xE79E,
	// line reset, two idle bytes' worth of low cycles.
	seqJTAGToSWD = seq(136, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x9e, 0xe7,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00)
	// seqDormantToSWD: 8 high cycles, the 128-bit selection alert, 4 low
	// cycles, activation code 0x1A, 8 high cycles, then a line reset.
	seqDormantToSWD = seq(224, 0xff,
		0x92, 0xf3, 0x09, 0x62, 0x95, 0x2d, 0x85, 0x86,
		0xe9, 0xaf, 0xdd, 0xe3, 0xa2, 0x0e, 0xbc, 0x19,
		0xa0, 0xf1, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00)
	// seqLineReset: at least 50 high cycles then at least 2 idle cycles.
	seqLineReset = seq(64, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00)
)

type swjSeq struct {
	bits int
	data []byte
}

func seq(bits int, data ...byte) swjSeq { return swjSeq{bits, data} }

// encodeSWJSequence: bit count 1..256 (256 encoded as 0), data LSB first.
func encodeSWJSequence(s swjSeq) ([]byte, error) {
	if s.bits < 1 || s.bits > 256 || len(s.data) != (s.bits+7)/8 {
		return nil, fmt.Errorf("cmsisdap: DAP_SWJ_Sequence of %d bits with %d data bytes", s.bits, len(s.data))
	}
	return append([]byte{cmdSWJSequence, byte(s.bits)}, s.data...), nil
}

// encodeSWJPins drives the pins in sel to the levels in out and waits up
// to waitUs µs for them to settle.
func encodeSWJPins(out, sel uint8, waitUs uint32) []byte {
	b := []byte{cmdSWJPins, out, sel, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(b[3:], waitUs)
	return b
}

// decodeSWJPins returns the pin input levels.
func decodeSWJPins(resp []byte) (uint8, error) {
	if err := checkEcho(cmdSWJPins, resp, 2); err != nil {
		return 0, err
	}
	return resp[1], nil
}

func encodeResetTarget() []byte { return []byte{cmdResetTarget} }

// decodeResetTarget reports whether the probe has a device-specific reset
// sequence (execute = 1); without one it did nothing.
func decodeResetTarget(resp []byte) (bool, error) {
	if err := decodeStatus(cmdResetTarget, resp); err != nil {
		return false, err
	}
	if len(resp) < 3 {
		return false, fmt.Errorf("cmsisdap: DAP_ResetTarget: reply of %d bytes, want 3: %w", len(resp), ErrBadReply)
	}
	return resp[2] == 1, nil
}

// encodeWriteABORT writes the DP ABORT register outside DAP_Transfer, so
// it works even while the probe's transfer state is stuck.
func encodeWriteABORT(abort uint32) []byte {
	b := []byte{cmdWriteABORT, 0, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(b[2:], abort)
	return b
}
