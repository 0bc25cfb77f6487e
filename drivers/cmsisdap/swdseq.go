package cmsisdap

import "fmt"

// swdSeqPart is one DAP_SWD_Sequence item: cycles 1..64 driven from data
// (LSB first), or captured when input is set.
type swdSeqPart struct {
	cycles int
	input  bool
	data   []byte // output only, (cycles+7)/8 bytes
}

func encodeSWDSequence(parts []swdSeqPart) ([]byte, error) {
	if len(parts) == 0 || len(parts) > 255 {
		return nil, fmt.Errorf("cmsisdap: DAP_SWD_Sequence of %d parts", len(parts))
	}
	b := []byte{cmdSWDSequence, byte(len(parts))}
	for i, p := range parts {
		if p.cycles < 1 || p.cycles > 64 {
			return nil, fmt.Errorf("cmsisdap: DAP_SWD_Sequence part %d: %d cycles, want 1..64", i, p.cycles)
		}
		info := byte(p.cycles & 0x3F) // 64 is encoded as 0
		if p.input {
			b = append(b, info|0x80)
			continue
		}
		if len(p.data) != (p.cycles+7)/8 {
			return nil, fmt.Errorf("cmsisdap: DAP_SWD_Sequence part %d: %d data bytes for %d cycles", i, len(p.data), p.cycles)
		}
		b = append(append(b, info), p.data...)
	}
	return b, nil
}

// decodeSWDSequence checks the status and returns the captured bytes of
// each input part.
func decodeSWDSequence(parts []swdSeqPart, resp []byte) ([][]byte, error) {
	if err := decodeStatus(cmdSWDSequence, resp); err != nil {
		return nil, err
	}
	rest := resp[2:]
	var in [][]byte
	for i, p := range parts {
		if !p.input {
			continue
		}
		n := (p.cycles + 7) / 8
		if len(rest) < n {
			return nil, fmt.Errorf("cmsisdap: DAP_SWD_Sequence: reply lacks the %d captured bytes of part %d: %w", n, i, ErrBadReply)
		}
		in = append(in, rest[:n])
		rest = rest[n:]
	}
	return in, nil
}

// targetSelParts writes DP TARGETSEL: the request byte 0x99, five cycles
// the target does not drive (turnaround, ACK, turnaround: TARGETSEL is
// never acknowledged), then 32 data bits and even parity.
func targetSelParts(v uint32) []swdSeqPart {
	parity := byte(0)
	for x := v; x != 0; x &= x - 1 {
		parity ^= 1
	}
	return []swdSeqPart{
		{cycles: 8, data: []byte{0x99}},
		{cycles: 5, input: true},
		{cycles: 33, data: []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24), parity}},
	}
}
