package drivers

import (
	"errors"
	"time"
)

// Timed is an optional ability: the probe's own clock. A simulated probe
// reports its modeled time — in the simulator's instant mode nothing
// sleeps, so wall time says nothing about how long the target took — and
// a real one wall time.
type Timed interface {
	// Now is the time since an arbitrary origin, monotonic.
	Now() time.Duration
}

// ErrPollTimeout: a poll's budget ran out before the target reached the
// awaited state (a core that does not halt, a power-up never acknowledged).
// It is the target's answer, not a station fault.
var ErrPollTimeout = errors.New("timed out")

// Deadline is a poll's time budget on a probe's clock. It is checked
// between transfers and never handed to one as a context deadline: a wall
// clock deadline that expires part-way through a USB transfer cancels it
// and leaves the probe out of step (a busy station host can lose 100 ms
// between two transfers of one command), and a simulated probe's polls
// must be measured in the time it models.
type Deadline struct {
	now func() time.Duration
	end time.Duration
}

// NewDeadline starts a budget of d on x's clock: x.Now when x is Timed,
// wall time otherwise. d <= 0 is no budget (Passed is always false).
func NewDeadline(x any, d time.Duration) Deadline {
	if d <= 0 {
		return Deadline{}
	}
	now := ClockOf(x)
	return Deadline{now: now, end: now() + d}
}

// Passed reports whether the budget is spent.
func (d Deadline) Passed() bool { return d.now != nil && d.now() >= d.end }

// ClockOf is x's clock (see NewDeadline): x.Now when x is Timed, else the
// wall time since the call.
func ClockOf(x any) func() time.Duration {
	if t, ok := x.(Timed); ok {
		return t.Now
	}
	start := time.Now()
	return func() time.Duration { return time.Since(start) }
}
