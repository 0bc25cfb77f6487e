package sim

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/sim/fault"
)

// ErrOverflow: the probe sent more than the IN transfer asked for (babble,
// USB 2.0 §8.7.4 and §5.8.3).
var ErrOverflow = errors.New("device sent more data than the transfer asked for")

// Transfers is the simulated probe seen one USB transfer at a time, for a
// USB/IP server: unlike a Link read, asking for IN data when the probe has
// none costs nothing and fails nothing — the transfer just stays pending,
// as a real IN URB does while the device NAKs. It charges the same USB
// timing and injects the same link faults as the Link. Must be closed.
type Transfers struct {
	l *simLink
}

// OpenTransfers claims the probe at port (its debug interface), as Open
// does.
func (b *Bus) OpenTransfers(ctx context.Context, port string) (*Transfers, error) {
	var iface = -1
	for _, p := range b.Probes() {
		if p.port == port {
			iface = p.fw.Interface()
		}
	}
	if iface < 0 {
		return nil, fmt.Errorf("sim: no probe at %s", port)
	}
	l, err := b.Open(ctx, port, iface)
	if err != nil {
		return nil, err
	}
	return &Transfers{l: l.(*simLink)}, nil
}

// Out is one OUT transfer to the debug interface's OUT endpoint (or a HID
// SET_REPORT(Output) on ep0, which reaches the same firmware).
func (t *Transfers) Out(ctx context.Context, data []byte) error {
	_, err := t.l.Write(ctx, data)
	return err
}

// In takes reply data for an IN transfer that wants up to want more
// bytes. It returns what the probe has (nil when nothing yet) and done
// when the transfer is complete: a short packet ended it or it is full.
// A transfer left open keeps waiting for the next reply's packets.
func (t *Transfers) In(ctx context.Context, want int) (data []byte, done bool, err error) {
	l := t.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(ctx); err != nil {
		return nil, false, err
	}
	p := l.p
	// The reply queue is the probe's (link.go): it outlives this import.
	for len(data) < want && p.hasReply() {
		if p.faults.Fire(fault.LinkCorrupt) {
			p.unqueue()
			return data, true, fmt.Errorf("sim: read from %s: USB transfer error (CRC, retries exhausted): %w", p.serial, link.ErrTimeout)
		}
		r := p.peek()
		room := want - len(data)
		if len(r.data) > room && !l.in.interrupt {
			p.unqueue()
			return data, true, fmt.Errorf("sim: read from %s: reply of %d bytes, transfer wants %d: %w", p.serial, len(r.data), room, ErrOverflow)
		}
		p.unqueue()
		if l.in.interrupt {
			l.host = max(l.host, l.in.schedule(r.ready, min(len(r.data), room)))
		} else {
			l.host = l.in.schedule(max(l.host, r.ready), len(r.data))
		}
		n := min(len(r.data), room)
		data = append(data, r.data[:n]...)
		if n < len(r.data) {
			// An interrupt endpoint hands out the rest of the report in the
			// next transfer.
			p.requeue(reply{data: r.data[n:], ready: r.ready})
		}
		if n%l.in.maxPacket != 0 || n == 0 {
			return data, true, l.pace(ctx) // short packet
		}
	}
	return data, len(data) >= want, l.pace(ctx)
}

// Pending reports whether the probe has reply data waiting.
func (t *Transfers) Pending() bool {
	return t.l.p.hasReply()
}

// Alive reports whether the probe is still plugged in as the same device.
func (t *Transfers) Alive() bool { return t.l.p.alive(t.l.gen) }

// ModeledTime is the Link's modeled time (Clocked).
func (t *Transfers) ModeledTime() time.Duration { return t.l.ModeledTime() }

// Close releases the probe's interface.
func (t *Transfers) Close() error { return t.l.Close() }

// Descriptor is the probe as enumeration shows it, port included.
func (p *Probe) Descriptor() link.Device {
	d := p.fw.Descriptor()
	d.Port = p.port
	return d
}

// DebugInterface is the interface number of the probe's debug function.
func (p *Probe) DebugInterface() int { return p.fw.Interface() }

// Plugged reports whether the probe is on the bus now.
func (p *Probe) Plugged() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.isPlugged
}
