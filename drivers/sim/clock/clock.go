package clock

import (
	"sync/atomic"
	"time"
)

// Clock is a monotonic virtual clock. It is safe for concurrent use, though
// one probe's parts normally run on one goroutine at a time.
type Clock struct {
	now atomic.Int64 // nanoseconds since the probe was plugged in
	lag atomic.Int64 // see SetLag
}

// Now is the modeled time since the clock started, less the lag.
func (c *Clock) Now() time.Duration { return time.Duration(c.now.Load() - c.lag.Load()) }

// SetLag makes Now read d earlier than the clock's time until SetLag(0).
// A simulated core that catches up with the debugger runs behind its
// clock; while it does, the peripherals it touches read its time (the
// chip's lock is held, so nothing else reads the clock meanwhile).
// Advance and AdvanceTo work on the clock's own time.
func (c *Clock) SetLag(d time.Duration) { c.lag.Store(int64(d)) }

// Lag is the lag SetLag set.
func (c *Clock) Lag() time.Duration { return time.Duration(c.lag.Load()) }

// Advance moves the clock forward by d (negative d is ignored).
func (c *Clock) Advance(d time.Duration) {
	if d > 0 {
		c.now.Add(int64(d))
	}
}

// AdvanceTo moves the clock forward to t if t is later than now.
func (c *Clock) AdvanceTo(t time.Duration) {
	for {
		cur := c.now.Load()
		if int64(t) <= cur || c.now.CompareAndSwap(cur, int64(t)) {
			return
		}
	}
}

// Bits is the time n clock cycles take at hz.
func Bits(n int, hz uint32) time.Duration {
	if hz == 0 || n <= 0 {
		return 0
	}
	return time.Duration(int64(n) * int64(time.Second) / int64(hz))
}
