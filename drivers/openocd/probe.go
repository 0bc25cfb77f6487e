package openocd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/targets/facts"
)

// ErrDrivenByOpenOCD: the probe is handed to OpenOCD whole; nothing talks
// to it directly.
var ErrDrivenByOpenOCD = errors.New("openocd: this probe is driven through an OpenOCD session, not directly")

// Probe stands for a debug probe that OpenOCD drives: a J-Link (which has
// no native driver here), or any probe a slot hands to OpenOCD. It holds
// the identity the station and records need; OpenSession starts the
// OpenOCD process that does the work.
type Probe struct {
	ID drivers.Identity
}

var _ drivers.Probe = (*Probe)(nil)

// NewProbe wraps a probe found on the bus.
func NewProbe(id drivers.Identity) *Probe { return &Probe{ID: id} }

func (p *Probe) Identity() drivers.Identity { return p.ID }

// Connect is refused: OpenOCD owns the wire.
func (p *Probe) Connect(context.Context, drivers.ConnectOptions) (uint32, error) {
	return 0, ErrDrivenByOpenOCD
}

func (p *Probe) Disconnect(context.Context) error { return nil }
func (p *Probe) Close() error                     { return nil }

// AdapterFor returns the OpenOCD adapter commands that select this probe
// by serial: J-Link, ST-Link (hla) and CMSIS-DAP.
func AdapterFor(id drivers.Identity) ([]string, error) {
	if id.Serial == "" {
		return nil, fmt.Errorf("openocd: the %s at %s has no serial number to select it by", id.Kind, id.Port)
	}
	switch id.Kind {
	case drivers.JLink:
		return JLinkAdapter(id.Serial)
	case drivers.STLinkV2, drivers.STLinkV21, drivers.STLinkV3:
		return []string{"source [find interface/stlink.cfg]", "adapter serial " + id.Serial, "transport select hla_swd"}, nil
	case drivers.CMSISDAPv1, drivers.CMSISDAPv2:
		return []string{"adapter driver cmsis-dap", "adapter serial " + id.Serial, "transport select swd"}, nil
	}
	return nil, fmt.Errorf("openocd: no OpenOCD adapter for probe kind %q", id.Kind)
}

// OpenSession starts OpenOCD for p and the recipe's chip.
func OpenSession(ctx context.Context, p *Probe, v *facts.Variant, log *slog.Logger) (*Session, error) {
	args, err := AdapterFor(p.ID)
	if err != nil {
		return nil, err
	}
	return Start(ctx, Config{AdapterArgs: args, Variant: v, Log: log})
}
