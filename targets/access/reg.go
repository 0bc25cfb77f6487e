package access

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flashstation/flashstation/drivers"
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
// It is drivers.ErrPollTimeout: the target's answer, not a station fault.
var ErrTimeout = drivers.ErrPollTimeout

// WaitFor polls the word at addr until value&mask == want, for at most
// timeout on the probe's clock (0: only ctx bounds it). The timeout is a
// drivers.Deadline, checked between polls and never handed to a transfer:
// a wall-clock deadline that expired part-way through a USB transfer
// cancelled it, left the probe out of step ("probe disconnected") and made
// the simulator's instant mode depend on how busy the host was. It polls
// on the probe when it can. A read that fails ends the wait at once: a
// flash controller that stops answering will not start again by itself.
// It returns the last value.
func (t *Target) WaitFor(ctx context.Context, addr, mask, want uint32, timeout time.Duration) (uint32, error) {
	if t.broken != nil {
		return 0, t.broken
	}
	dl := drivers.NewDeadline(t.timed(), timeout)
	var v uint32
	var err error
	for {
		if t.Poll != nil {
			v, err = t.Poll.PollMemory32(ctx, addr, mask, want&mask, timeout)
		} else {
			v, err = t.hostPoll(ctx, dl, addr, mask, want&mask)
		}
		// A busy bus (WAIT past the probe's retries) is no answer yet.
		if err == nil || !isWait(err) || ctx.Err() != nil || dl.Passed() {
			break
		}
	}
	switch {
	case err == nil:
		return v, nil
	case ctx.Err() != nil:
		return v, fmt.Errorf("access: waiting for 0x%08X: %w", addr, ctx.Err())
	case errors.Is(err, drivers.ErrPollTimeout):
		// The poll read v and it never matched.
		return v, fmt.Errorf("access: 0x%08X read 0x%08X, still not 0x%08X under mask 0x%08X after %v: %w",
			addr, v, want&mask, mask, timeout, ErrTimeout)
	case isWait(err) && dl.Passed():
		return v, fmt.Errorf("access: waiting for 0x%08X: the bus stayed busy for %v: %w (%w)", addr, timeout, ErrTimeout, err)
	}
	return v, fmt.Errorf("access: waiting for 0x%08X: %w", addr, err)
}

// Deadline starts a budget of d on the probe's clock (drivers.Deadline):
// for a family's own poll loops, checked between accesses.
func (t *Target) Deadline(d time.Duration) drivers.Deadline { return drivers.NewDeadline(t.timed(), d) }

// timed is what measures the target's time: the memory access or the
// probe, whichever keeps a clock (drivers.Timed); wall time otherwise.
func (t *Target) timed() any {
	if _, ok := t.Mem.(drivers.Timed); ok {
		return t.Mem
	}
	return t.Probe
}

func (t *Target) hostPoll(ctx context.Context, dl drivers.Deadline, addr, mask, want uint32) (uint32, error) {
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
		if dl.Passed() {
			return buf[0], drivers.ErrPollTimeout
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
