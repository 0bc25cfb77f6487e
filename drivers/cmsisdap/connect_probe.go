package cmsisdap

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/flashstation/flashstation/drivers"
)

// Connect brings up SWD: DAP_Connect, clock, WAIT/match retries, SWD
// turnaround, then JTAG-to-SWD (or dormant wake-up and TARGETSEL for a
// multidrop DP) and a DPIDR read, which it returns.
func (p *Probe) Connect(ctx context.Context, opts drivers.ConnectOptions) (uint32, error) {
	if opts.Protocol != drivers.SWD {
		return 0, fmt.Errorf("cmsisdap: connect over %s: this driver speaks SWD only: %w", opts.Protocol, ErrUnsupported)
	}
	hz := opts.ClockHz
	if hz == 0 {
		hz = DefaultClockHz
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.invalidate()

	resp, err := p.t.exchange(ctx, encodeConnect(portSWD))
	if err == nil {
		err = decodeConnect(portSWD, resp)
	}
	if err != nil {
		return 0, err
	}
	steps := [][]byte{
		encodeSWJClock(hz),
		encodeTransferConfigure(0, p.waitRetry, p.matchRetry),
		encodeSWDConfigure(1, false),
	}
	if opts.UnderReset {
		steps = append(steps, encodeSWJPins(0, pinNRESET, 0))
	}
	wake := seqJTAGToSWD
	if opts.TargetSel != nil {
		wake = seqDormantToSWD
	}
	sq, err := encodeSWJSequence(wake)
	if err != nil {
		return 0, err
	}
	steps = append(steps, sq)
	for _, s := range steps {
		if err := p.simple(ctx, s); err != nil {
			return 0, err
		}
	}
	if opts.TargetSel != nil {
		parts := targetSelParts(*opts.TargetSel)
		b, err := encodeSWDSequence(parts)
		if err != nil {
			return 0, err
		}
		resp, err := p.t.exchange(ctx, b)
		if err != nil {
			return 0, err
		}
		if _, err := decodeSWDSequence(parts, resp); err != nil {
			return 0, fmt.Errorf("cmsisdap: TARGETSEL 0x%08x: %w", *opts.TargetSel, err)
		}
	}
	var dpidr uint32
	// Straight after a line reset only DPIDR may be read; SELECT is
	// unknown, so no SELECT write may be planned before it (DPIDR's slot
	// in bank 0 never needs one).
	if err := p.batch(ctx, []drivers.DAPOp{{Addr: dpDPIDR, Result: &dpidr}}); err != nil {
		return 0, err
	}
	p.log.Debug("cmsisdap: connected", "serial", p.id.Serial, "dpidr", fmt.Sprintf("%08x", dpidr), "clock_hz", hz)
	return dpidr, nil
}

// simple sends a command whose reply is "cmd status".
func (p *Probe) simple(ctx context.Context, req []byte) error {
	resp, err := p.t.exchange(ctx, req)
	if err != nil {
		return err
	}
	if req[0] == cmdSWJPins {
		_, err = decodeSWJPins(resp)
		return err
	}
	return decodeStatus(req[0], resp)
}

// LineReset sends a SWD line reset; afterwards only a DPIDR read or a
// TARGETSEL write is valid.
func (p *Probe) LineReset(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.invalidate()
	b, err := encodeSWJSequence(seqLineReset)
	if err != nil {
		return err
	}
	return p.simple(ctx, b)
}

// Disconnect releases the target lines (and nRESET).
func (p *Probe) Disconnect(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.invalidate()
	return p.simple(ctx, encodeDisconnect())
}

// SetReset drives nRESET low (asserted) or releases it. Connect with
// UnderReset leaves it asserted; release it with SetReset(ctx, false).
func (p *Probe) SetReset(ctx context.Context, asserted bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := pinNRESET
	if asserted {
		out = 0
	}
	return p.simple(ctx, encodeSWJPins(out, pinNRESET, 0))
}

// maxDelayUs is the longest DAP_Delay.
const maxDelayUs = 0xFFFF

// HardReset pulses nRESET low for at least d. The probe times the pulse
// (DAP_Delay), so the host's scheduling cannot shorten it.
func (p *Probe) HardReset(ctx context.Context, d time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.simple(ctx, encodeSWJPins(0, pinNRESET, 0)); err != nil {
		return err
	}
	for us := (d + time.Microsecond - 1) / time.Microsecond; us > 0; us -= maxDelayUs {
		if err := p.simple(ctx, encodeDelay(uint16(min(us, maxDelayUs)))); err != nil {
			return err
		}
	}
	return p.simple(ctx, encodeSWJPins(pinNRESET, pinNRESET, 0))
}

// ResetTarget runs the probe's device-specific reset (DAP_ResetTarget);
// it reports false when the probe has none and did nothing.
func (p *Probe) ResetTarget(ctx context.Context) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	resp, err := p.t.exchange(ctx, encodeResetTarget())
	if err != nil {
		return false, err
	}
	return decodeResetTarget(resp)
}

func encodeDelay(us uint16) []byte {
	return binary.LittleEndian.AppendUint16([]byte{cmdDelay}, us)
}
