package arm

import (
	"context"
	"fmt"
	"time"

	"github.com/flashstation/flashstation/drivers"
)

// DP registers and bits (ADIv5.2 B2.2).
const (
	DPIDR    uint8 = 0x0
	ABORT    uint8 = 0x0
	CTRLSTAT uint8 = 0x4
	SELECT   uint8 = 0x8
	RDBUFF   uint8 = 0xC

	// ABORT: STKCMPCLR | STKERRCLR | WDERRCLR | ORUNERRCLR.
	abortClearSticky uint32 = 0x1E

	csCDBGPWRUPREQ uint32 = 1 << 28
	csCDBGPWRUPACK uint32 = 1 << 29
	csCSYSPWRUPREQ uint32 = 1 << 30
	csCSYSPWRUPACK uint32 = 1 << 31
)

// PowerUpTimeout bounds the wait for the debug and system power-up ACKs.
const PowerUpTimeout = 100 * time.Millisecond

// InitDP readies a connected DP: it reads DPIDR, clears sticky errors,
// requests debug and system power and waits for both ACKs. It returns
// DPIDR.
func InitDP(ctx context.Context, dap drivers.DAPAccess) (uint32, error) {
	dpidr, err := dap.ReadDP(ctx, DPIDR)
	if err != nil {
		return 0, fmt.Errorf("arm: read DPIDR: %w", err)
	}
	if dpidr == 0 || dpidr&1 == 0 {
		// Bit 0 of DPIDR is RAO; 0 or an even value means no real DP.
		return dpidr, fmt.Errorf("arm: DPIDR 0x%08x is not a debug port's", dpidr)
	}
	if err := dap.WriteDP(ctx, ABORT, abortClearSticky); err != nil {
		return dpidr, fmt.Errorf("arm: clear sticky errors: %w", err)
	}
	req := csCDBGPWRUPREQ | csCSYSPWRUPREQ
	if err := dap.WriteDP(ctx, CTRLSTAT, req); err != nil {
		return dpidr, fmt.Errorf("arm: power-up request: %w", err)
	}
	ack := csCDBGPWRUPACK | csCSYSPWRUPACK
	got, err := poll(ctx, dap, nil, drivers.DAPOp{Addr: CTRLSTAT}, ack, ack, PowerUpTimeout)
	if err != nil {
		return dpidr, fmt.Errorf("arm: power-up: CTRL/STAT %v never showed CDBGPWRUPACK|CSYSPWRUPACK: %w", got, err)
	}
	return dpidr, nil
}

// reading is a register value a poll read, or the fact that no read
// succeeded: an error message must not quote a value never read.
type reading struct {
	v  uint32
	ok bool
}

func (r reading) String() string {
	if !r.ok {
		return "(never read)"
	}
	return fmt.Sprintf("0x%08x", r.v)
}

// poll repeats setup+op until the value read by op matches, using a
// value-match read (on the probe where it can) and a plain read to learn
// the value, for at most budget on dap's clock (drivers.Deadline; 0: only
// ctx bounds it). It returns the last value read.
func poll(ctx context.Context, dap drivers.DAPAccess, setup []drivers.DAPOp, op drivers.DAPOp, mask, want uint32, budget time.Duration) (reading, error) {
	dl := drivers.NewDeadline(dap, budget)
	var v uint32
	var got reading
	var lastErr error
	for {
		m := op
		m.Match = &drivers.Match{Mask: mask, Value: want & mask}
		m.Result = nil
		r := op
		r.Result = &v
		ops := append(append(append([]drivers.DAPOp(nil), setup...), m), setup...)
		ops = append(ops, r)
		err := dap.Batch(ctx, ops)
		if err == nil {
			// The match read saw the value; v is a later read and may
			// already differ (clear-on-read bits such as S_RESET_ST).
			return reading{v, true}, nil
		}
		{
			// A mismatch after the probe's retries shows as an error; a
			// plain read tells it from a failed access.
			pops := append(append([]drivers.DAPOp(nil), setup...), r)
			if perr := dap.Batch(ctx, pops); perr != nil {
				return got, perr
			}
			got = reading{v, true}
			if v&mask == want&mask {
				return got, nil
			}
			lastErr = err
		}
		if cerr := ctx.Err(); cerr != nil {
			if lastErr != nil {
				return got, fmt.Errorf("%w (last poll: %v)", cerr, lastErr)
			}
			return got, cerr
		}
		if dl.Passed() {
			return got, fmt.Errorf("%w after %v (last poll: %v)", drivers.ErrPollTimeout, budget, lastErr)
		}
	}
}

// AP describes one access port found by FindAPs.
type AP struct {
	APSel uint8
	IDR   uint32
}

// IsMemAP: IDR class 8 (ADIv5.2 C2.6.5).
func (a AP) IsMemAP() bool { return a.IDR>>13&0xF == 8 }

// TARWindow is the TAR auto-increment span to assume for this AP: 4 KiB
// for the Cortex-M3/M4 AHB-AP (IDR 0x24770011), 1 KiB otherwise, the
// span ADIv5 guarantees.
func (a AP) TARWindow() uint32 {
	if a.IDR == 0x24770011 {
		return 4096
	}
	return DefaultTARWindow
}

// APIDR is the AP identification register's address.
const APIDR uint8 = 0xFC

// FindAPs reads the IDR of APs 0, 1, … and stops at the first that reads
// 0 (no AP there), as ADIv5 numbers APs from 0 without gaps in practice.
func FindAPs(ctx context.Context, dap drivers.DAPAccess) ([]AP, error) {
	var aps []AP
	for sel := 0; sel < 256; sel++ {
		idr, err := dap.ReadAP(ctx, uint8(sel), APIDR)
		if err != nil {
			return aps, fmt.Errorf("arm: read IDR of AP %d: %w", sel, err)
		}
		if idr == 0 {
			break
		}
		aps = append(aps, AP{APSel: uint8(sel), IDR: idr})
	}
	return aps, nil
}
