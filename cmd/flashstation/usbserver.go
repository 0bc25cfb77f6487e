package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/flashstation/flashstation/drivers/sim"
	"github.com/flashstation/flashstation/drivers/sim/usbipd"
)

// usbServerDevice is one exported probe in the "listening" line.
type usbServerDevice struct {
	BusID  string `json:"busid"`
	VIDPID string `json:"vid_pid"`
	Probe  string `json:"probe"`
	Chip   string `json:"chip,omitempty"`
	Serial string `json:"serial"`
}

// usbServerEvent is the first JSON line of `sim usb-server`.
type usbServerEvent struct {
	Event   string            `json:"event"` // "listening"
	Address string            `json:"address"`
	Control string            `json:"control,omitempty"` // hotplug HTTP interface, when --control is given
	Devices []usbServerDevice `json:"devices"`
}

func newUSBServerCmd() *cobra.Command {
	var bc busChoice
	var listen, control string
	cmd := &cobra.Command{
		Use:   "usb-server",
		Short: "Serve a simulated fixture's probes as USB devices over USB/IP",
		Long: "Serve every probe of a simulated fixture as a USB device over the Linux kernel's\n" +
			"USB/IP protocol until interrupted. Prints one JSON line when listening (address and\n" +
			"devices), then one per ended client session (probe, commands served, modeled seconds).\n" +
			"Chips keep their state across sessions while the server runs.\n" +
			"  usbip list -r 127.0.0.1 --tcp-port N     lists the probes\n" +
			"  usbip --tcp-port N attach -r 127.0.0.1 -b BUSID   (root, vhci-hcd) makes one a real device",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if bc.simSpec == "" {
				return usageErrorf("--sim is required: the fixture to serve, e.g. --sim cmsis-dap-v2:stm32f411ce")
			}
			fx, err := sim.New(bc.simSpec, sim.Options{Mode: sim.Mode{Realtime: bc.realtime, Speed: bc.speed}, Seed: bc.seed})
			if err != nil {
				return badInput(fmt.Errorf("--sim: %w", err))
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return badInput(fmt.Errorf("--listen %s: %w", listen, err))
			}
			srv := usbipd.New(usbipd.Config{Fixture: fx, Events: cmd.OutOrStdout()})
			ctx := cmd.Context()
			ev := usbServerEvent{Event: "listening", Address: ln.Addr().String(), Devices: []usbServerDevice{}}
			// Shutdown order: the control interface stops with ctx, before
			// the USB/IP listener's sessions are closed by Serve.
			if control != "" {
				cln, err := net.Listen("tcp", control)
				if err != nil {
					ln.Close()
					return badInput(fmt.Errorf("--control %s: %w", control, err))
				}
				hs := &http.Server{Handler: srv.ControlHandler(), ReadHeaderTimeout: 5 * time.Second}
				go hs.Serve(cln)
				stop := context.AfterFunc(ctx, func() { hs.Close() })
				defer stop()
				defer hs.Close()
				ev.Control = cln.Addr().String()
			}
			out := cmd.OutOrStdout()
			for _, sl := range fx.Slots {
				d := sl.Probe.Descriptor()
				dev := usbServerDevice{BusID: usbipd.BusID(sl.Probe), VIDPID: fmt.Sprintf("%04x:%04x", d.VID, d.PID),
					Probe: string(sl.Spec.Probe), Serial: d.Serial}
				if !sl.Spec.Empty {
					dev.Chip = string(sl.Spec.Chip)
				}
				ev.Devices = append(ev.Devices, dev)
			}
			if err := writeJSONLine(out, ev); err != nil {
				ln.Close()
				return failed(err)
			}
			if err := srv.Serve(ctx, ln); err != nil {
				return failed(err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&bc.simSpec, "sim", "", "simulated fixture spec, e.g. 2*cmsis-dap-v2:stm32f411ce,stlink-v2:stm32f103c8")
	f.BoolVar(&bc.realtime, "realtime", false, "sleep the modeled time (otherwise transfers complete at once)")
	f.Float64Var(&bc.speed, "speed", 1, "realtime speed factor")
	f.Uint64Var(&bc.seed, "seed", 1, "fixture seed (unique IDs, serials, fault sequences)")
	f.StringVar(&listen, "listen", "127.0.0.1:3240", "TCP address to serve USB/IP on (port 0 picks a free one)")
	f.StringVar(&control, "control", "", "also serve the hotplug control interface over HTTP on this address, e.g. 127.0.0.1:0\n"+
		"(GET /devices; POST /devices/BUSID/unplug, /plug, /board/remove, /board/seat)")
	return cmd
}
