package simtest

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/arm"
	"github.com/flashstation/flashstation/drivers/discover"
	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/sim"
)

// RP2040Core0 is the TARGETSEL of the RP2040's core 0 DP (RP2040
// datasheet §2.3.4.2), for multidrop connects.
const RP2040Core0 uint32 = 0x01002927

// Rig is one simulated slot opened through its real driver. Close closes
// the probe (and with it the Link).
type Rig struct {
	Fixture *sim.Fixture
	Slot    *sim.Slot
	Found   discover.Found
	Probe   drivers.Probe
	// Link is what the driver talks over: the simulator's Link, or
	// whatever Options.Wrap made of it.
	Link link.Link
}

// Options for Open.
type Options struct {
	Sim sim.Options
	// Slot is the 0-based slot to open.
	Slot int
	// Wrap, when set, wraps the Link before the driver sees it (e.g.
	// link.NewRecorder). The wrapper must pass Close on.
	Wrap func(link.Link) link.Link
	// Logger for the driver; nil discards its logs.
	Logger *slog.Logger
}

// wrapBus hands the driver a wrapped Link, so discover.Open (the code the
// station runs) opens the probe unchanged.
type wrapBus struct {
	link.Bus
	wrap func(link.Link) link.Link
	got  link.Link
}

func (b *wrapBus) Open(ctx context.Context, port string, iface int) (link.Link, error) {
	l, err := b.Bus.Open(ctx, port, iface)
	if err != nil {
		return nil, err
	}
	if b.wrap != nil {
		l = b.wrap(l)
	}
	b.got = l
	return l, nil
}

// Open builds the fixture spec describes and opens slot opts.Slot's probe.
func Open(ctx context.Context, spec string, opts Options) (*Rig, error) {
	fx, err := sim.New(spec, opts.Sim)
	if err != nil {
		return nil, err
	}
	return OpenSlot(ctx, fx, opts)
}

// OpenSlot opens slot opts.Slot of an existing fixture (opts.Sim unused).
func OpenSlot(ctx context.Context, fx *sim.Fixture, opts Options) (*Rig, error) {
	if opts.Slot < 0 || opts.Slot >= len(fx.Slots) {
		return nil, fmt.Errorf("simtest: slot %d of a %d-slot fixture", opts.Slot, len(fx.Slots))
	}
	slot := fx.Slots[opts.Slot]
	found, err := discover.Scan(ctx, fx.Bus)
	if err != nil {
		return nil, err
	}
	var f *discover.Found
	for i := range found {
		if found[i].Device.Port == slot.Probe.Port() {
			f = &found[i]
		}
	}
	if f == nil {
		return nil, fmt.Errorf("simtest: slot %d (%s): probe not found on the bus", opts.Slot, slot.Probe.Port())
	}
	bus := &wrapBus{Bus: fx.Bus, wrap: opts.Wrap}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p, err := discover.Open(ctx, bus, *f, log)
	if err != nil {
		return nil, err
	}
	return &Rig{Fixture: fx, Slot: slot, Found: *f, Probe: p, Link: bus.got}, nil
}

// Close closes the probe.
func (r *Rig) Close() error { return r.Probe.Close() }

// Now is the modeled time on the probe's Link as the host sees it (the
// later of its last completed transfer and the probe's own clock).
func (r *Rig) Now() time.Duration {
	if c, ok := r.Link.(link.Clocked); ok {
		return c.ModeledTime()
	}
	return r.Slot.Probe.Clock().Now()
}

// Memory connects at clockHz (to the DP targetSel names, when not nil)
// and returns memory access through AP 0: the ST-Link's own memory
// commands, or for CMSIS-DAP an ADIv5 MEM-AP after DP power-up, with the
// TAR window the AP's IDR implies.
func (r *Rig) Memory(ctx context.Context, clockHz uint32, targetSel *uint32) (drivers.MemoryAccess, error) {
	if _, err := r.Probe.Connect(ctx, drivers.ConnectOptions{Protocol: drivers.SWD, ClockHz: clockHz, TargetSel: targetSel}); err != nil {
		return nil, err
	}
	if m, ok := r.Probe.(drivers.MemoryAccess); ok {
		return m, nil
	}
	dap, ok := r.Probe.(drivers.DAPAccess)
	if !ok {
		return nil, fmt.Errorf("simtest: %s offers neither memory nor DAP access", r.Found.Kind)
	}
	if _, err := arm.InitDP(ctx, dap); err != nil {
		return nil, err
	}
	idr, err := dap.ReadAP(ctx, 0, arm.APIDR)
	if err != nil {
		return nil, err
	}
	ap := arm.AP{APSel: 0, IDR: idr}
	if !ap.IsMemAP() {
		return nil, fmt.Errorf("simtest: AP 0 (IDR 0x%08x) is not a MEM-AP", idr)
	}
	return arm.NewMemAP(dap, 0, arm.MemAPOptions{TARWindow: ap.TARWindow()})
}
