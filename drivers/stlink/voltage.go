package stlink

import (
	"context"
	"encoding/binary"
	"fmt"
)

// decodeVoltage decodes the 8-byte GET_TARGET_VOLTAGE (F7) reply: two
// little-endian u32 ADC readings, a0 of the probe's 1.2 V reference and a1
// of half the target supply, so V = 2·a1·1.2/a0 (probes.md §2.2; OpenOCD
// stlink_usb_check_voltage). The reply has no status byte.
func decodeVoltage(b []byte) (float64, error) {
	if len(b) < 8 {
		return 0, fmt.Errorf("stlink: GET_TARGET_VOLTAGE reply is %d bytes, want 8", len(b))
	}
	a0 := binary.LittleEndian.Uint32(b[0:4])
	a1 := binary.LittleEndian.Uint32(b[4:8])
	if a0 == 0 {
		return 0, fmt.Errorf("stlink: GET_TARGET_VOLTAGE reference reading (bytes 0-3) is 0; the probe cannot measure")
	}
	return 2 * float64(a1) * 1.2 / float64(a0), nil
}

// TargetVoltage measures the target supply in volts (V2 J13+, all V3).
// Older firmware gets a *FeatureError.
func (p *Probe) TargetVoltage(ctx context.Context) (float64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.targetVoltage(ctx)
}

func (p *Probe) targetVoltage(ctx context.Context) (float64, error) {
	if err := p.version.Require(FeatureTargetVoltage); err != nil {
		return 0, err
	}
	var r [8]byte
	if err := p.xfer(ctx, "GET_TARGET_VOLTAGE", []byte{cmdGetVoltage}, nil, r[:]); err != nil {
		return 0, err
	}
	return decodeVoltage(r[:])
}
