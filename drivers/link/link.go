package link

import (
	"context"
	"errors"
	"time"
)

// Link is one USB conversation with a probe. Write sends one packet (one
// transfer on the OUT endpoint); Read receives one packet (one transfer on
// the IN endpoint) into p and returns its length. Both honour the context's
// deadline and cancellation. A Link must be closed by whoever opened it.
//
// A Link is used by one goroutine at a time; the driver that owns it
// serialises access.
type Link interface {
	Write(ctx context.Context, p []byte) (int, error)
	Read(ctx context.Context, p []byte) (int, error)
	Close() error
}

// Errors every Link implementation reports, wrapped with detail.
var (
	// ErrDisconnected: the probe went away (unplugged, reset, powered off).
	// Every transfer after it fails the same way until the Link is reopened.
	ErrDisconnected = errors.New("probe disconnected")
	// ErrTimeout: the probe did not complete the transfer before the deadline.
	ErrTimeout = errors.New("usb transfer timed out")
	// ErrClosed: the Link was closed by its owner.
	ErrClosed = errors.New("link closed")
)

// Clocked is implemented by Links whose probe keeps modeled time (the
// simulator). Benchmarks read it to report modeled seconds.
type Clocked interface {
	// ModeledTime is the probe's virtual clock: the time the real hardware
	// would have spent on everything sent over this probe so far.
	ModeledTime() time.Duration
}

// ClockOf is the clock polls over l are measured on: l's modeled time when
// l (or the Link a Recorder wraps) is Clocked, else the wall time since
// the call.
func ClockOf(l Link) func() time.Duration {
	for {
		r, ok := l.(*Recorder)
		if !ok {
			break
		}
		l = r.l
	}
	if c, ok := l.(Clocked); ok {
		return c.ModeledTime
	}
	start := time.Now()
	return func() time.Duration { return time.Since(start) }
}
