package main

import (
	"fmt"
	"os"

	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/sim"
	"github.com/flashstation/flashstation/drivers/usb"
)

// busChoice is the --sim flag shared by commands that reach probes.
type busChoice struct {
	simSpec  string
	realtime bool
	speed    float64
	seed     uint64
}

// open returns the bus to use: a simulated fixture when --sim is given,
// libusb otherwise. The note explains an empty real bus.
func (c busChoice) open() (bus link.Bus, fixture *sim.Fixture, closeFn func(), note string, err error) {
	if c.simSpec != "" {
		fx, err := sim.New(c.simSpec, sim.Options{Mode: sim.Mode{Realtime: c.realtime, Speed: c.speed}, Seed: c.seed})
		if err != nil {
			return nil, nil, nil, "", badInput(fmt.Errorf("--sim: %w", err))
		}
		return fx.Bus, fx, func() {}, "", nil
	}
	b, err := usb.Open()
	if err != nil {
		return nil, nil, nil, "", failed(err)
	}
	// FLASHSTATION_USBIP names the USB/IP server the libusb shim (bin/lib)
	// reaches instead of a local bus: then no local bus is no news.
	if _, statErr := os.Stat("/dev/bus/usb"); statErr != nil && os.Getenv("FLASHSTATION_USBIP") == "" {
		note = "this machine has no USB bus (/dev/bus/usb is missing): no probes can be attached; try --sim"
	}
	return b, nil, func() { b.Close() }, note, nil
}
