package sim

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/fault"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// Mode says how simulated time relates to wall time.
type Mode struct {
	// Realtime makes every Link sleep the modeled time (divided by Speed);
	// otherwise nothing sleeps and modeled time is only reported.
	Realtime bool
	Speed    float64 // realtime speed factor; 0 or 1 is real speed
}

// Bus is a simulated USB bus. It implements link.Bus, so discovery code and
// drivers use it exactly as they use the gousb-backed bus.
type Bus struct {
	mu     sync.Mutex
	probes []*Probe
	// replugAfter: scans a probe unplugged by an injected fault stays away.
	replugAfter int
}

var _ link.Bus = (*Bus)(nil)

// NewBus returns an empty bus.
func NewBus() *Bus { return &Bus{replugAfter: 2} }

// Probe is one simulated probe on the bus, with the board wired to it.
type Probe struct {
	bus    *Bus
	index  int
	serial string
	port   string
	fw     hw.Firmware
	chip   hw.Chip // nil for an empty nest
	// power switches the nest's supply (chip and debug port together); nil
	// for an empty nest.
	power  func(on bool)
	clock  *clock.Clock
	faults *fault.Injector
	mode   Mode

	mu        sync.Mutex
	isPlugged bool
	away      int // scans left before an unplugged-by-fault probe returns
	gen       int // enumeration generation: Links of an older one are dead
	open      *simLink

	// rmu guards the firmware's reply queue and hang state (link.go).
	rmu     sync.Mutex
	replies []reply
	hung    bool
}

// Attach puts a probe on the bus, plugged in. Port paths are derived from
// the position so they stay stable from run to run.
func (b *Bus) Attach(fw hw.Firmware, chip hw.Chip, power func(on bool), clk *clock.Clock, faults *fault.Injector, mode Mode) *Probe {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := len(b.probes)
	p := &Probe{
		bus: b, index: i, fw: fw, chip: chip, power: power, clock: clk, faults: faults, mode: mode,
		port:      PortPath(i),
		serial:    fw.Descriptor().Serial,
		isPlugged: true,
	}
	b.probes = append(b.probes, p)
	return p
}

// PortPath is the simulated physical path of the probe at index i: root
// ports with 4-port hubs, e.g. usb:1-2.3.
func PortPath(i int) string {
	return fmt.Sprintf("usb:%d-%d.%d", 1+i/64, 1+(i%64)/4, 1+i%4)
}

// Probes lists the probes attached to the bus, plugged or not.
func (b *Bus) Probes() []*Probe {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*Probe(nil), b.probes...)
}

// Devices lists the plugged-in probes. A probe unplugged by an injected
// fault comes back after a few scans, as a probe reseated by a technician
// or re-enumerated after a brown-out would.
func (b *Bus) Devices(ctx context.Context) ([]link.Device, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []link.Device
	for _, p := range b.Probes() {
		p.mu.Lock()
		if !p.isPlugged && p.away > 0 {
			p.away--
			if p.away == 0 {
				p.replugLocked()
			}
		}
		if p.isPlugged {
			d := p.fw.Descriptor()
			d.Port = p.port
			out = append(out, d)
		}
		p.mu.Unlock()
	}
	return out, nil
}

// Open claims the probe at port. One Link at a time per probe, as a real
// USB interface can be claimed by one process only.
func (b *Bus) Open(ctx context.Context, port string, iface int) (link.Link, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, p := range b.Probes() {
		if p.port != port {
			continue
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		switch {
		case !p.isPlugged:
			return nil, fmt.Errorf("sim: open %s: %w", port, link.ErrDisconnected)
		case p.open != nil:
			return nil, fmt.Errorf("sim: open %s (%s): interface %d is already claimed", port, p.serial, iface)
		case iface != p.fw.Interface():
			return nil, fmt.Errorf("sim: open %s (%s): no debug interface %d (it is %d)", port, p.serial, iface, p.fw.Interface())
		}
		d := p.fw.Descriptor()
		l := &simLink{p: p, gen: p.gen, wallStart: time.Now(), modelStart: p.clock.Now(), host: p.clock.Now()}
		for _, in := range d.Interfaces {
			if in.Number != iface {
				continue
			}
			l.out, l.in = endpointsOf(in)
		}
		p.open = l
		return l, nil
	}
	return nil, fmt.Errorf("sim: no probe at %s", port)
}

func endpointsOf(in link.Interface) (out, inT endpointTiming) {
	var haveOut, haveIn bool
	for _, ep := range in.Endpoints {
		if ep.IsIn() && !haveIn {
			inT, haveIn = newEndpointTiming(ep), true
		} else if !ep.IsIn() && !haveOut {
			out, haveOut = newEndpointTiming(ep), true
		}
	}
	return out, inT
}

func (b *Bus) unplug(p *Probe, why string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.isPlugged = false
	p.away = b.replugAfter
	slog.Debug("sim: probe unplugged", "serial", p.serial, "port", p.port, "why", why)
}

// Serial is the probe's USB serial string as its firmware reports it.
func (p *Probe) Serial() string { return p.serial }

// Port is the probe's physical path.
func (p *Probe) Port() string { return p.port }

// Chip is the board in the nest, nil when empty.
func (p *Probe) Chip() hw.Chip { return p.chip }

// Clock is the probe's virtual clock.
func (p *Probe) Clock() *clock.Clock { return p.clock }

// Faults is the probe's fault injector (nil when none).
func (p *Probe) Faults() *fault.Injector { return p.faults }

// Unplug pulls the probe out: a transfer in flight or any later one fails
// with link.ErrDisconnected, and it leaves the device list until Plug.
func (p *Probe) Unplug() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.isPlugged = false
	p.away = 0
}

// Plug puts the probe back; it enumerates fresh (firmware reset).
func (p *Probe) Plug() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.replugLocked()
}

func (p *Probe) replugLocked() {
	if p.isPlugged {
		return
	}
	p.isPlugged = true
	p.gen++
	p.open = nil // a replugged device is a new device: old handles are dead
	p.rmu.Lock()
	p.replies, p.hung = nil, false
	p.rmu.Unlock()
	p.fw.Reset()
}

// alive reports whether a Link of generation gen still reaches the probe.
func (p *Probe) alive(gen int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.isPlugged && p.gen == gen
}

func (p *Probe) release(l *simLink) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.open == l {
		p.open = nil
	}
}
