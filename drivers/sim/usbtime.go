package sim

import (
	"time"

	"github.com/flashstation/flashstation/drivers/link"
)

// USB timing, modeled per endpoint (USB 2.0 §5.7–5.8):
//   - interrupt endpoints (CMSIS-DAP v1 HID) move one packet per (micro)frame
//     at most: full speed frames are 1 ms, so a command and its reply cost
//     at least a frame each;
//   - bulk endpoints are scheduled in the next (micro)frame and then move
//     packets back to back at the bus rate; several transfers may share a
//     frame.
const (
	fullSpeedFrame  = time.Millisecond
	highSpeedFrame  = 125 * time.Microsecond
	fullSpeedPacket = 50 * time.Microsecond // 64 B at 12 Mbit/s plus protocol overhead
	highSpeedPacket = 10 * time.Microsecond // 512 B at 480 Mbit/s plus overhead
)

// endpointTiming schedules transfers on one endpoint.
type endpointTiming struct {
	interrupt bool
	period    time.Duration // (micro)frame length
	perPacket time.Duration // time on the bus per max-size packet
	maxPacket int
	free      time.Duration // when the endpoint can start its next transfer
}

func newEndpointTiming(ep link.Endpoint) endpointTiming {
	t := endpointTiming{interrupt: ep.Type == link.Interrupt, maxPacket: ep.MaxPacket}
	if ep.MaxPacket > 64 {
		t.period, t.perPacket = highSpeedFrame, highSpeedPacket
	} else {
		t.period, t.perPacket = fullSpeedFrame, fullSpeedPacket
	}
	if t.maxPacket <= 0 {
		t.maxPacket = 64
	}
	return t
}

// schedule returns when a transfer of n bytes that is ready at time ready
// completes, and books the endpoint.
func (e *endpointTiming) schedule(ready time.Duration, n int) time.Duration {
	start := max(ready, e.free)
	start = (start + e.period - 1) / e.period * e.period // next (micro)frame boundary
	packets := max(1, (n+e.maxPacket-1)/e.maxPacket)
	if e.interrupt {
		// One packet per frame: a transfer of several packets spans frames.
		done := start + time.Duration(packets-1)*e.period + e.perPacket
		e.free = start + time.Duration(packets)*e.period
		return done
	}
	done := start + time.Duration(packets)*e.perPacket
	e.free = done
	return done
}
