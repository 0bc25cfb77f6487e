package access

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flashstation/flashstation/drivers/cmsisdap"
	"github.com/flashstation/flashstation/drivers/stlink"
)

// Read32 reads the 32-bit register at addr.
func (t *Target) Read32(ctx context.Context, addr uint32) (uint32, error) {
	if t.broken != nil {
		return 0, t.broken
	}
	var v [1]uint32
	if err := retryWait(ctx, func() error { return t.Mem.ReadMemory32(ctx, addr, v[:]) }); err != nil {
		return 0, fmt.Errorf("access: read 0x%08X: %w", addr, err)
	}
	return v[0], nil
}

// Write32 writes the 32-bit register at addr. A write refused with WAIT
// is sent again, so use it only where writing the value twice does no
// harm (control registers set to a value, write-1-to-clear flags); see
// WriteOnce32.
func (t *Target) Write32(ctx context.Context, addr, value uint32) error {
	if t.broken != nil {
		return t.broken
	}
	if err := retryWait(ctx, func() error { return t.Mem.WriteMemory32(ctx, addr, []uint32{value}) }); err != nil {
		return fmt.Errorf("access: write 0x%08X to 0x%08X: %w", value, addr, err)
	}
	return nil
}

// WriteOnce32 writes the 32-bit register at addr and never repeats the
// write: for key registers, where a second copy of a key is a wrong
// sequence (RM0008 §3.3.1, RM0383 §3.5.1). An error leaves it unknown
// whether the write reached the register.
func (t *Target) WriteOnce32(ctx context.Context, addr, value uint32) error {
	if t.broken != nil {
		return t.broken
	}
	if err := t.Mem.WriteMemory32(ctx, addr, []uint32{value}); err != nil {
		return fmt.Errorf("access: write 0x%08X to 0x%08X: %w", value, addr, err)
	}
	return nil
}

// Read16 reads the halfword at addr (2-byte aligned).
func (t *Target) Read16(ctx context.Context, addr uint32) (uint16, error) {
	if t.broken != nil {
		return 0, t.broken
	}
	var v [1]uint16
	if err := t.Mem.ReadMemory16(ctx, addr, v[:]); err != nil {
		return 0, fmt.Errorf("access: read halfword 0x%08X: %w", addr, err)
	}
	return v[0], nil
}

// ErrTimeout is wrapped by WaitFor when the value never matched in time.
var ErrTimeout = errors.New("timed out")

// WaitFor polls the word at addr until value&mask == want, for at most
// timeout (0: only ctx bounds it). It polls on the probe when it can. A
// read that fails ends the wait at once: a flash controller that stops
// answering will not start again by itself. It returns the last value.
func (t *Target) WaitFor(ctx context.Context, addr, mask, want uint32, timeout time.Duration) (uint32, error) {
	if t.broken != nil {
		return 0, t.broken
	}
	pctx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		pctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	var v uint32
	var err error
	for {
		if t.Poll != nil {
			v, err = t.Poll.PollMemory32(pctx, addr, mask, want&mask)
		} else {
			v, err = t.hostPoll(pctx, addr, mask, want&mask)
		}
		// A busy bus (WAIT past the probe's retries) is no answer yet.
		if err == nil || !isWait(err) || pctx.Err() != nil {
			break
		}
	}
	if err == nil {
		return v, nil
	}
	if ctx.Err() != nil {
		return v, fmt.Errorf("access: waiting for 0x%08X: %w", addr, ctx.Err())
	}
	if pctx.Err() != nil {
		return v, fmt.Errorf("access: 0x%08X read 0x%08X, still not 0x%08X under mask 0x%08X after %v: %w",
			addr, v, want&mask, mask, timeout, ErrTimeout)
	}
	return v, fmt.Errorf("access: waiting for 0x%08X: %w", addr, err)
}

func (t *Target) hostPoll(ctx context.Context, addr, mask, want uint32) (uint32, error) {
	var buf [1]uint32
	for {
		if err := t.Mem.ReadMemory32(ctx, addr, buf[:]); err != nil {
			return buf[0], err
		}
		if buf[0]&mask == want {
			return buf[0], nil
		}
		if err := ctx.Err(); err != nil {
			return buf[0], err
		}
	}
}

// waitRetries: register accesses refused with WAIT are tried this many
// times more. A WAIT on the access itself leaves it undone (ADIv5.2
// B4.2.2), but probes also report a WAIT on the read that completes a
// posted write (CMSIS-DAP's RDBUFF check, ST-Link's final RDBUFF): that
// write was accepted. So a retried write may land twice; Write32 callers
// accept that, WriteOnce32 callers cannot.
const waitRetries = 3

func retryWait(ctx context.Context, op func() error) error {
	err := op()
	for i := 0; i < waitRetries && err != nil && isWait(err) && ctx.Err() == nil; i++ {
		err = op()
	}
	return err
}

func isWait(err error) bool {
	return errors.Is(err, cmsisdap.ErrWait) || errors.Is(err, stlink.ErrWait)
}
