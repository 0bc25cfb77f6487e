package usbipclient_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/arm"
	"github.com/flashstation/flashstation/drivers/discover"
	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/sim"
	"github.com/flashstation/flashstation/drivers/sim/usbipclient"
	"github.com/flashstation/flashstation/drivers/sim/usbipd"
)

func serve(t *testing.T, spec string) (*usbipd.Server, *sim.Fixture, string) {
	t.Helper()
	fx, err := sim.New(spec, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := usbipd.New(usbipd.Config{Fixture: fx, Log: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return srv, fx, ln.Addr().String()
}

// TestDriversOverUSBIP: the project's own drivers (discover, cmsisdap,
// stlink) find, open and connect every simulated probe kind through the
// USB/IP server, reading every descriptor on ep0 and moving every
// command as URBs — the same survey drivers/discover runs on the
// in-process Link, with the same answers.
func TestDriversOverUSBIP(t *testing.T) {
	spec := "cmsis-dap-v1:stm32f103c8,cmsis-dap-v2:stm32f411ce,stlink-v2:stm32f103c8,stlink-v2-old:stm32f103cb," +
		"stlink-v21:nrf52840,stlink-v3:stm32f411ce,cmsis-dap-v2:rp2040,jlink:stm32f103c8"
	_, fx, addr := serve(t, spec)
	ctx := context.Background()
	bus := usbipclient.New(addr)
	found, err := discover.Scan(ctx, bus)
	if err != nil || len(found) != len(fx.Slots) {
		t.Fatalf("Scan: %d probes, %v", len(found), err)
	}
	// Over the wire and in process, discovery must see the same probes.
	local, err := discover.Scan(ctx, fx.Bus)
	if err != nil {
		t.Fatal(err)
	}
	wants := []struct {
		kind  drivers.Kind
		dpidr uint32
	}{
		{drivers.CMSISDAPv1, 0x1BA01477}, {drivers.CMSISDAPv2, 0x2BA01477}, {drivers.STLinkV2, 0x1BA01477},
		{drivers.STLinkV2, 0x1BA01477}, {drivers.STLinkV21, 0x2BA01477}, {drivers.STLinkV3, 0x2BA01477},
		{drivers.CMSISDAPv2, 0}, {drivers.JLink, 0},
	}
	for i, f := range found {
		w := wants[i]
		if f.Kind != w.kind || f.Serial != local[i].Serial || f.Interface != local[i].Interface || f.Device.Port != local[i].Device.Port {
			t.Errorf("probe %d: over USB/IP %s %q iface %d at %s; in process %s %q iface %d at %s", i,
				f.Kind, f.Serial, f.Interface, f.Device.Port, local[i].Kind, local[i].Serial, local[i].Interface, local[i].Device.Port)
			continue
		}
		if !slices.EqualFunc(f.Device.Interfaces, local[i].Device.Interfaces, func(a, b link.Interface) bool {
			return a.Number == b.Number && a.Class == b.Class && a.Name == b.Name && slices.Equal(a.Endpoints, b.Endpoints)
		}) {
			t.Errorf("probe %d: interfaces over USB/IP %+v, in process %+v", i, f.Device.Interfaces, local[i].Device.Interfaces)
		}
		c, cancel := context.WithTimeout(ctx, 10*time.Second)
		p, err := discover.Open(c, bus, f, nil)
		if w.kind == drivers.JLink {
			if !errors.Is(err, discover.ErrNeedsOpenOCD) {
				t.Errorf("J-Link open: %v", err)
			}
			cancel()
			continue
		}
		if err != nil {
			t.Errorf("probe %d (%s): open: %v", i, f.Kind, err)
			cancel()
			continue
		}
		dpidr, err := p.Connect(c, drivers.ConnectOptions{Protocol: drivers.SWD})
		switch {
		case w.dpidr != 0 && (err != nil || dpidr != w.dpidr):
			t.Errorf("probe %d (%s): DPIDR %08X, %v; want %08X", i, f.Kind, dpidr, err, w.dpidr)
		case w.dpidr == 0 && (err == nil || !strings.Contains(err.Error(), "no target answers")):
			t.Errorf("probe %d: connect with no answering target: %v", i, err)
		}
		p.Close()
		cancel()
	}
}

// TestStateAcrossSessions: a chip written in one client session holds the
// data in the next, while the server runs.
func TestStateAcrossSessions(t *testing.T) {
	for _, spec := range []string{"cmsis-dap-v2:stm32f411ce", "cmsis-dap-v1:stm32f103c8", "stlink-v2:stm32f103c8"} {
		t.Run(spec, func(t *testing.T) {
			_, _, addr := serve(t, spec)
			bus := usbipclient.New(addr)
			want := []uint32{0xC0FFEE01, 0x12345678, 0xDEADBEEF, 0x0BADF00D}
			for session := range 2 {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				found, err := discover.Scan(ctx, bus)
				if err != nil || len(found) != 1 {
					t.Fatalf("session %d: scan %d, %v", session, len(found), err)
				}
				p, err := discover.Open(ctx, bus, found[0], nil)
				if err != nil {
					t.Fatalf("session %d: open: %v", session, err)
				}
				if _, err := p.Connect(ctx, drivers.ConnectOptions{Protocol: drivers.SWD}); err != nil {
					t.Fatalf("session %d: connect: %v", session, err)
				}
				mem, ok := p.(drivers.MemoryAccess)
				if !ok {
					dap, isDAP := p.(drivers.DAPAccess)
					if !isDAP {
						t.Fatalf("%T has neither memory nor DAP access", p)
					}
					if _, err := arm.InitDP(ctx, dap); err != nil {
						t.Fatalf("power up the debug port: %v", err)
					}
					if mem, err = arm.NewMemAP(dap, 0, arm.MemAPOptions{}); err != nil {
						t.Fatal(err)
					}
				}
				if session == 0 {
					if err := mem.WriteMemory32(ctx, 0x20000100, want); err != nil {
						t.Fatalf("write RAM: %v", err)
					}
				} else {
					got := make([]uint32, len(want))
					if err := mem.ReadMemory32(ctx, 0x20000100, got); err != nil || !slices.Equal(got, want) {
						t.Fatalf("second session reads %08X, %v; want %08X", got, err, want)
					}
				}
				p.Close()
				cancel()
			}
		})
	}
}

// TestUnplugMidSession: a probe pulled out under an open driver fails its
// next transfer as disconnected, never as a target fault.
func TestUnplugMidSession(t *testing.T) {
	srv, _, addr := serve(t, "cmsis-dap-v2:stm32f411ce,stlink-v2:stm32f103c8")
	bus := usbipclient.New(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	found, err := discover.Scan(ctx, bus)
	if err != nil || len(found) != 2 {
		t.Fatalf("scan: %d, %v", len(found), err)
	}
	for _, f := range found {
		p, err := discover.Open(ctx, bus, f, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Connect(ctx, drivers.ConnectOptions{Protocol: drivers.SWD}); err != nil {
			t.Fatal(err)
		}
		if err := srv.Unplug(strings.TrimPrefix(f.Device.Port, "usb:")); err != nil {
			t.Fatal(err)
		}
		_, err = p.Connect(ctx, drivers.ConnectOptions{Protocol: drivers.SWD})
		if !errors.Is(err, link.ErrDisconnected) {
			t.Errorf("%s: connect after unplug: %v, want a disconnect", f.Kind, err)
		}
		p.Close()
	}
	if found, err := discover.Scan(ctx, bus); err != nil || len(found) != 0 {
		t.Errorf("scan after unplugging both: %d, %v", len(found), err)
	}
}
