package stlink

import (
	"context"
	"encoding/binary"
	"fmt"
)

// DefaultClockKHz is the SWD clock used when ConnectOptions.ClockHz is 0:
// the ST-Link's own power-on default (OpenOCD's speed map marks 1800 kHz
// "default"), which works on long fixture wiring.
const DefaultClockKHz = 1800

// swdDivisors is the V2 SWD_SET_FREQ table, kHz → divisor (OpenOCD
// stlink_khz_to_speed_map_swd; probes.md §2.3), fastest first.
var swdDivisors = []struct {
	khz     uint32
	divisor uint16
}{
	{4000, 0}, {1800, 1}, {1200, 2}, {950, 3}, {480, 7}, {240, 15},
	{125, 31}, {100, 40}, {50, 79}, {25, 158}, {15, 265}, {5, 798},
}

// pickV2Divisor chooses the fastest table clock not above khz, or the
// slowest the probe has when khz is below all of them (OpenOCD
// stlink_match_speed_map).
func pickV2Divisor(khz uint32) (uint32, uint16) {
	for _, e := range swdDivisors {
		if e.khz <= khz {
			return e.khz, e.divisor
		}
	}
	last := swdDivisors[len(swdDivisors)-1]
	return last.khz, last.divisor
}

// pickFreq chooses the fastest of the probe's clocks not above khz, or the
// slowest when all are above it. ok is false for an empty list.
func pickFreq(list []uint32, khz uint32) (uint32, bool) {
	var best, slowest uint32
	for _, f := range list {
		if f == 0 {
			continue
		}
		if f <= khz && f > best {
			best = f
		}
		if slowest == 0 || f < slowest {
			slowest = f
		}
	}
	if best == 0 {
		best = slowest
	}
	return best, best != 0
}

// decodeComFreqs decodes the 52-byte GET_COM_FREQ reply of V3 probes:
// status at 0, the current clock at 4, the count at 8, then up to ten u32
// clocks in kHz from 12 (OpenOCD stlink_get_com_freq; probe-rs
// get_communication_frequencies). The count is read as a u32 (probe-rs);
// OpenOCD reads only its low byte, which agrees for any sane reply.
func decodeComFreqs(b []byte) ([]uint32, error) {
	if len(b) < 12 {
		return nil, fmt.Errorf("stlink: GET_COM_FREQ reply is %d bytes, want 52", len(b))
	}
	n := int(binary.LittleEndian.Uint32(b[8:12]))
	// The reply has room for ten; OpenOCD and probe-rs both clamp to it.
	if n > 10 {
		n = 10
	}
	if len(b) < 12+4*n {
		return nil, fmt.Errorf("stlink: GET_COM_FREQ reply is %d bytes, too short for %d clocks", len(b), n)
	}
	out := make([]uint32, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(b[12+4*i:])
	}
	return out, nil
}

// setClock selects the SWD clock nearest khz from below. V3 asks the probe
// which clocks it has (GET_COM_FREQ) and sets one (SET_COM_FREQ); V2 from
// J22 sends a divisor (SWD_SET_FREQ); older V2 firmware cannot change its
// clock and keeps 1.8 MHz, which is logged, not an error.
func (p *Probe) setClock(ctx context.Context, khz uint32) error {
	v := p.version
	switch {
	case v.v3API():
		var r [52]byte
		if err := p.do(ctx, "GET_COM_FREQ", []byte{cmdDebug, dbgGetComFreq, 0}, r[:]); err != nil {
			return err
		}
		list, err := decodeComFreqs(r[:])
		if err != nil {
			return err
		}
		f, ok := pickFreq(list, khz)
		if !ok {
			return fmt.Errorf("stlink: GET_COM_FREQ lists no SWD clocks on %s", v)
		}
		cmd := []byte{cmdDebug, dbgSetComFreq, 0, 0, 0, 0, 0, 0}
		binary.LittleEndian.PutUint32(cmd[4:], f)
		var sr [8]byte
		if err := p.do(ctx, fmt.Sprintf("SET_COM_FREQ %d kHz", f), cmd, sr[:]); err != nil {
			return err
		}
		p.clockKHz = f
	case v.Has(FeatureSWDFreq):
		f, div := pickV2Divisor(khz)
		cmd := []byte{cmdDebug, dbgSWDSetFreq, byte(div), byte(div >> 8)}
		var r [2]byte
		if err := p.do(ctx, fmt.Sprintf("SWD_SET_FREQ %d kHz", f), cmd, r[:]); err != nil {
			return err
		}
		p.clockKHz = f
	default:
		p.clockKHz = DefaultClockKHz
		if khz != DefaultClockKHz {
			p.log.Info("stlink: firmware cannot change the SWD clock; staying at 1800 kHz",
				"firmware", v.String(), "requested_khz", khz, "err", v.Require(FeatureSWDFreq))
		}
	}
	return nil
}

// ClockKHz is the SWD clock set at the last Connect, in kHz.
func (p *Probe) ClockKHz() uint32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.clockKHz
}
