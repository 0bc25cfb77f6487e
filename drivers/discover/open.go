package discover

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/cmsisdap"
	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/stlink"
)

// ErrNeedsOpenOCD: J-Link probes have no native driver; they are driven
// through OpenOCD.
var ErrNeedsOpenOCD = fmt.Errorf("J-Link probes are driven through OpenOCD: give the slot driver = \"openocd\"")

// Open claims the probe f on bus and opens its native driver. The probe
// owns the Link: closing the probe closes it.
func Open(ctx context.Context, bus link.Bus, f Found, log *slog.Logger) (drivers.Probe, error) {
	if !f.Usable {
		return nil, fmt.Errorf("discover: probe %s cannot be used: %v", describe(f), f.Notes)
	}
	if f.Kind == drivers.JLink {
		return nil, fmt.Errorf("discover: %s: %w", describe(f), ErrNeedsOpenOCD)
	}
	l, err := bus.Open(ctx, f.Device.Port, f.Interface)
	if err != nil {
		return nil, fmt.Errorf("discover: open %s: %w", describe(f), err)
	}
	switch f.Kind {
	case drivers.CMSISDAPv1, drivers.CMSISDAPv2:
		p, err := cmsisdap.Open(ctx, l, cmsisdap.OpenInfo{Kind: f.Kind, VID: f.Device.VID, PID: f.Device.PID,
			Serial: f.Serial, Port: f.Device.Port, Product: f.Device.Product, Logger: log,
			ReportSize: outMaxPacket(f.Device, f.Interface)})
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("discover: %s: %w", describe(f), err)
		}
		return p, nil
	case drivers.STLinkV2, drivers.STLinkV21, drivers.STLinkV3:
		p, err := stlink.Open(ctx, l, stlink.OpenInfo{PID: f.Device.PID, Serial: f.Device.Serial, Port: f.Device.Port,
			Product: f.Device.Product, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("discover: %s: %w", describe(f), err)
		}
		return p, nil
	}
	l.Close()
	return nil, fmt.Errorf("discover: %s: no native driver for kind %q", describe(f), f.Kind)
}

// outMaxPacket is the wMaxPacketSize of interface iface's first OUT
// endpoint, 0 when unknown.
func outMaxPacket(d link.Device, iface int) int {
	for _, in := range d.Interfaces {
		if in.Number != iface {
			continue
		}
		for _, ep := range in.Endpoints {
			if !ep.IsIn() {
				return ep.MaxPacket
			}
		}
	}
	return 0
}
