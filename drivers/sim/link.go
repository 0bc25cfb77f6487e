package sim

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/sim/fault"
)

// simLink is the simulated USB conversation with one probe. It is what the
// drivers get from Bus.Open, in place of a gousb endpoint pair.
type simLink struct {
	p   *Probe
	gen int // the probe's enumeration generation this Link belongs to

	mu      sync.Mutex
	closed  bool
	out, in endpointTiming
	// host is the host's modeled time: when its last transfer completed.
	// The probe's clock runs ahead of it while the probe works.
	host time.Duration
	// realtime anchors: wall time and modeled time when the link opened.
	wallStart  time.Time
	modelStart time.Duration
}

type reply struct {
	data  []byte
	ready time.Duration // probe time at which the firmware had the reply
	// late: the reply leaves the probe at ready, later than the host may
	// wait (fault.LinkLate); a read whose deadline ends first times out
	// and leaves it queued.
	late bool
}

var _ link.Link = (*simLink)(nil)
var _ link.Clocked = (*simLink)(nil)

func (l *simLink) Write(ctx context.Context, pkt []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(ctx); err != nil {
		return 0, err
	}
	p := l.p
	arrived := l.out.schedule(l.host, len(pkt))
	l.host = arrived
	if p.faults.Fire(fault.Unplug) {
		p.bus.unplug(p, "fault injected: probe unplugged mid-operation")
		return 0, fmt.Errorf("sim: write to %s: %w", p.serial, link.ErrDisconnected)
	}
	if p.faults.Fire(fault.LinkDrop) {
		// The probe never acknowledged the packet (USB 2.0 §8.5: the host
		// controller retries, then gives up): the firmware never sees it
		// and the host's write fails.
		return 0, fmt.Errorf("sim: write to %s: no handshake from the device: %w", p.serial, link.ErrTimeout)
	}
	if p.faults.Fire(fault.PowerLoss) && p.power != nil {
		p.power(false)
	}
	p.clock.AdvanceTo(arrived)
	if p.faults.Fire(fault.Hang) {
		p.setHung()
	}
	if p.isHung() {
		// A wedged firmware: the packet lands in the endpoint buffer and
		// nothing ever answers it.
		return len(pkt), l.pace(ctx)
	}
	p.fw.Out(append([]byte(nil), pkt...))
	for {
		data, ok := p.fw.In()
		if !ok {
			break
		}
		r := reply{data: data, ready: p.clock.Now()}
		if p.faults.Fire(fault.LinkLate) {
			r.ready += fault.LateBy
			r.late = true
		}
		p.queue(r)
	}
	return len(pkt), l.pace(ctx)
}

func (l *simLink) Read(ctx context.Context, buf []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(ctx); err != nil {
		return 0, err
	}
	p := l.p
	if !p.hasReply() {
		if _, ok := ctx.Deadline(); !ok && p.isHung() {
			// libusb has no timeout of its own here: a transfer to a
			// wedged probe waits until its context ends (gousb
			// endpoint.transfer with a deadline-free context). Other lost
			// replies keep the 1 s a libusb caller typically sets.
			<-ctx.Done()
			return 0, fmt.Errorf("sim: read from %s: transfer cancelled: %w", p.serial, ctx.Err())
		}
		return 0, l.timeout(ctx)
	}
	if p.faults.Fire(fault.LinkTimeout) {
		p.unqueue() // the reply is lost, as a timed-out transfer's data is
		return 0, l.timeout(ctx)
	}
	if r := p.peek(); r.late {
		wait := time.Duration(1<<63 - 1)
		if dl, ok := ctx.Deadline(); ok {
			wait = max(0, time.Until(dl))
		}
		if r.ready > l.host+wait {
			// The reply leaves the probe after this read gave up; it
			// stays queued for the next read, as a real probe keeps it.
			return 0, l.timeout(ctx)
		}
	}
	r := p.unqueue()
	if p.faults.Fire(fault.LinkCorrupt) {
		// A damaged packet fails its CRC; the host controller retries and
		// then reports a transfer error — corrupted data never reaches the
		// driver (USB 2.0 §8.3.5). The reply is lost.
		return 0, fmt.Errorf("sim: read from %s: USB transfer error (CRC, retries exhausted): %w", p.serial, link.ErrTimeout)
	}
	if l.in.interrupt {
		// HID: the host keeps IN transfers queued (usbhid, or drivers/usb's
		// read stream), so the reply crosses in the first frame after the
		// probe has it, whatever the host was doing meanwhile.
		l.host = max(l.host, l.in.schedule(r.ready, len(r.data)))
	} else {
		// Bulk: the IN transfer starts when the host asks for it.
		l.host = l.in.schedule(max(l.host, r.ready), len(r.data))
	}
	n := copy(buf, r.data)
	if n < len(r.data) {
		if l.in.interrupt {
			// A HID read stream (gousb ReadStream) hands out what fits
			// and keeps the rest of the report for the next read.
			p.requeue(reply{data: r.data[n:], ready: r.ready})
			return n, l.pace(ctx)
		}
		return n, fmt.Errorf("sim: read from %s: reply of %d bytes overflows a %d-byte buffer", p.serial, len(r.data), len(buf))
	}
	if !l.in.interrupt {
		// A bulk IN transfer ends on a short packet or a full buffer (USB
		// 2.0 §5.8.3), and probe firmware sends no zero-length packet: a
		// reply that fills whole packets leaves the transfer open, and the
		// next reply's packets join it.
		for n < len(buf) && len(r.data)%l.in.maxPacket == 0 {
			if !p.hasReply() {
				return n, l.timeout(ctx)
			}
			r = p.unqueue()
			l.host = l.in.schedule(max(l.host, r.ready), len(r.data))
			m := copy(buf[n:], r.data)
			n += m
			if m < len(r.data) {
				return n, fmt.Errorf("sim: read from %s: reply of %d bytes overflows a %d-byte buffer", p.serial, len(r.data), len(buf)-n+m)
			}
		}
	}
	return n, l.pace(ctx)
}

func (l *simLink) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	l.p.release(l)
	return nil
}

// ModeledTime is the host's view of modeled time on this probe: the later
// of the host's last completed transfer and the probe's own clock.
func (l *simLink) ModeledTime() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return max(l.host, l.p.clock.Now())
}

func (l *simLink) usable(ctx context.Context) error {
	if l.closed {
		return link.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sim: %s: %w", l.p.serial, err)
	}
	if !l.p.alive(l.gen) {
		return fmt.Errorf("sim: %s: %w", l.p.serial, link.ErrDisconnected)
	}
	return nil
}

// timeout is what a read with nothing to read costs: in realtime mode the
// host waits out its deadline (or 1 s, as libusb callers typically set); in
// instant mode it fails at once, charging the modeled wait.
func (l *simLink) timeout(ctx context.Context) error {
	wait := time.Second
	if dl, ok := ctx.Deadline(); ok {
		wait = max(0, time.Until(dl))
	}
	l.host += wait
	if l.p.mode.Realtime {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}
	return fmt.Errorf("sim: read from %s: %w", l.p.serial, link.ErrTimeout)
}

// pace sleeps in realtime mode until wall time catches up with modeled time
// (scaled by the speed factor).
func (l *simLink) pace(ctx context.Context) error {
	m := l.p.mode
	if !m.Realtime {
		return nil
	}
	model := max(l.host, l.p.clock.Now()) - l.modelStart
	speed := m.Speed
	if speed <= 0 {
		speed = 1
	}
	due := l.wallStart.Add(time.Duration(float64(model) / speed))
	d := time.Until(due)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("sim: %s: %w", l.p.serial, ctx.Err())
	case <-t.C:
		return nil
	}
}

// The probe's reply queue lives in the probe, not in the Link: firmware
// keeps a reply nobody read over a USB close and open and hands it to the
// next reader (OpenOCD cmsis_dap_flush_read: "Some CMSIS-DAP adapters
// keep buffered packets over USB close/open"). Only a replug (a firmware
// reset) empties it.

func (p *Probe) queue(r reply) {
	p.rmu.Lock()
	p.replies = append(p.replies, r)
	p.rmu.Unlock()
}

func (p *Probe) requeue(r reply) {
	p.rmu.Lock()
	p.replies = append([]reply{r}, p.replies...)
	p.rmu.Unlock()
}

func (p *Probe) hasReply() bool {
	p.rmu.Lock()
	defer p.rmu.Unlock()
	return len(p.replies) > 0
}

func (p *Probe) peek() reply {
	p.rmu.Lock()
	defer p.rmu.Unlock()
	return p.replies[0]
}

func (p *Probe) unqueue() reply {
	p.rmu.Lock()
	defer p.rmu.Unlock()
	r := p.replies[0]
	p.replies = p.replies[1:]
	return r
}

func (p *Probe) setHung() {
	p.rmu.Lock()
	p.hung = true
	p.rmu.Unlock()
}

func (p *Probe) isHung() bool {
	p.rmu.Lock()
	defer p.rmu.Unlock()
	return p.hung
}

// Pending is how many replies the probe holds that no host has read.
func (p *Probe) Pending() int {
	p.rmu.Lock()
	defer p.rmu.Unlock()
	return len(p.replies)
}
