package cmsisdap

import "encoding/binary"

// encodeTransferConfigure: idle cycles after each transfer, WAIT retries,
// value-match retries.
func encodeTransferConfigure(idle uint8, waitRetry, matchRetry uint16) []byte {
	b := []byte{cmdTransferConfigure, idle, 0, 0, 0, 0}
	binary.LittleEndian.PutUint16(b[2:], waitRetry)
	binary.LittleEndian.PutUint16(b[4:], matchRetry)
	return b
}

// encodeSWDConfigure: turnaround 1..4 clocks, data phase on WAIT/FAULT.
func encodeSWDConfigure(turnaround uint8, dataPhase bool) []byte {
	cfg := (turnaround - 1) & 3
	if dataPhase {
		cfg |= 4
	}
	return []byte{cmdSWDConfigure, cfg}
}

// encodeSWJClock: SWD/JTAG clock in Hz.
func encodeSWJClock(hz uint32) []byte {
	b := []byte{cmdSWJClock, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(b[1:], hz)
	return b
}
