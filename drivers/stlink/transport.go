package stlink

import (
	"context"
	"errors"
	"fmt"
	"github.com/flashstation/flashstation/drivers/link"
	"time"
)

// Framing (probes.md §2.2; OpenOCD stlink_usb_xfer_*; probe-rs
// usb_interface.rs write): every command is one 16-byte zero-padded bulk
// OUT transfer, followed by an optional data phase (bulk OUT for write
// data, bulk IN for the reply).
const cmdLen = 16

// Top-level command bytes and DEBUG (F2) subcommands (OpenOCD stlink_usb.c,
// stlink-org commands.h, probe-rs constants.rs).
const (
	cmdGetVersion    = 0xF1
	cmdDebug         = 0xF2
	cmdDFU           = 0xF3
	cmdSWIM          = 0xF4
	cmdGetMode       = 0xF5
	cmdGetVoltage    = 0xF7
	cmdGetVersionEx  = 0xFB
	dfuExit          = 0x07
	swimExit         = 0x01
	dbgReadMem32     = 0x07
	dbgWriteMem32    = 0x08
	dbgReadMem8      = 0x0C
	dbgWriteMem8     = 0x0D
	dbgExit          = 0x21
	dbgEnter         = 0x30 // APIV2_ENTER
	dbgReadIDCodes   = 0x31
	dbgReadReg       = 0x33
	dbgWriteReg      = 0x34
	dbgWriteDebugReg = 0x35
	dbgReadDebugReg  = 0x36
	dbgLastRWStatus  = 0x3B
	dbgDriveNRST     = 0x3C
	dbgLastRWStatus2 = 0x3E
	dbgSWDSetFreq    = 0x43
	dbgReadDAPReg    = 0x45
	dbgWriteDAPReg   = 0x46
	dbgReadMem16     = 0x47
	dbgWriteMem16    = 0x48
	dbgInitAP        = 0x4B
	dbgSetComFreq    = 0x61
	dbgGetComFreq    = 0x62
	enterSWD         = 0xA3
)

// Probe-side WAIT handling: OpenOCD retries a command answered with
// SWD_AP_WAIT / SWD_DP_WAIT up to 8 times, sleeping 1 ms << attempt.
const (
	maxWaitRetries = 8
	waitBackoff    = time.Millisecond
)

// errBeforeWire marks a refusal made before anything reached the probe.
var errBeforeWire = errors.New("nothing was sent")

// exchangeTimeout bounds one command when the caller's context has no
// deadline, so a wedged probe fails its slot instead of hanging it
// (stlink-org uses 3 s per transfer).
const exchangeTimeout = 3 * time.Second

// xfer runs one command: the 16-byte block, then out (if any) as one bulk
// OUT transfer, then fills in (if any) from the IN endpoint. It does not
// look at the status byte.
func (p *Probe) xfer(ctx context.Context, op string, cmd []byte, out, in []byte) (err error) {
	if p.outOfStep != nil {
		return fmt.Errorf("stlink: %s: %w", op, p.outOfStep)
	}
	// The ST-Link protocol has no framing beyond "16 bytes, then the data
	// phase": once a transfer fails mid-command, the probe may take the
	// next command block as data (or hold a reply we gave up on). Nothing
	// after that can be trusted until the probe is reopened.
	defer func() {
		if err != nil && !errors.Is(err, errBeforeWire) && !errors.Is(err, link.ErrDisconnected) {
			p.outOfStep = fmt.Errorf("the probe is out of step after a USB error (%v): close and reopen it: %w", err, link.ErrDisconnected)
			err = fmt.Errorf("%w (the probe is out of step now: reopen it: %w)", err, link.ErrDisconnected)
		}
	}()
	if len(cmd) > cmdLen {
		return fmt.Errorf("stlink: %s: command block is %d bytes, the limit is %d: %w", op, len(cmd), cmdLen, errBeforeWire)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, exchangeTimeout)
		defer cancel()
	}
	var block [cmdLen]byte
	copy(block[:], cmd)
	if err := p.write(ctx, op, block[:]); err != nil {
		return err
	}
	if len(out) > 0 {
		if err := p.write(ctx, op, out); err != nil {
			return err
		}
	}
	for got := 0; got < len(in); {
		n, err := p.link.Read(ctx, in[got:])
		if err != nil {
			return fmt.Errorf("stlink: %s: reading reply (%d of %d bytes in): %w", op, got, len(in), err)
		}
		if n <= 0 {
			return fmt.Errorf("stlink: %s: reply ended after %d of %d bytes", op, got, len(in))
		}
		got += n
	}
	return nil
}

func (p *Probe) write(ctx context.Context, op string, b []byte) error {
	n, err := p.link.Write(ctx, b)
	if err != nil {
		return fmt.Errorf("stlink: %s: sending %d bytes: %w", op, len(b), err)
	}
	if n != len(b) {
		return fmt.Errorf("stlink: %s: probe took %d of %d bytes", op, n, len(b))
	}
	return nil
}

// do runs a DEBUG command whose reply starts with a status byte, retrying
// with back-off while the target answers WAIT.
func (p *Probe) do(ctx context.Context, op string, cmd []byte, in []byte) error {
	return p.retryWait(ctx, func() error {
		if err := p.xfer(ctx, op, cmd, nil, in); err != nil {
			return err
		}
		return checkStatus(op, in)
	})
}

// retryWait calls f again while it fails with a WAIT status, at most
// maxWaitRetries more times, sleeping 1, 2, 4 … ms in between.
func (p *Probe) retryWait(ctx context.Context, f func() error) error {
	for attempt := 0; ; attempt++ {
		err := f()
		var se *StatusError
		if err == nil || !errors.As(err, &se) || !se.Status.isWait() || attempt >= maxWaitRetries {
			return err
		}
		if serr := p.sleep(ctx, waitBackoff<<attempt); serr != nil {
			return fmt.Errorf("%w (gave up waiting: %w)", err, serr)
		}
	}
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
