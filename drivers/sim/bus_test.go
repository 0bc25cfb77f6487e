package sim

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/fault"
)

// echoFirmware answers every packet with the same bytes after charging
// cost to the probe clock, standing in for a probe firmware.
type echoFirmware struct {
	clk     *clock.Clock
	cost    time.Duration
	pending [][]byte
	ep      link.TransferType
	size    int
	resets  int
}

func (f *echoFirmware) Descriptor() link.Device {
	return link.Device{VID: 0x1209, PID: 0x0001, Serial: "ECHO1", Product: "echo CMSIS-DAP",
		Interfaces: []link.Interface{{Number: 0, Class: 0xFF, Endpoints: []link.Endpoint{
			{Address: 0x01, Type: f.ep, MaxPacket: f.size}, {Address: 0x81, Type: f.ep, MaxPacket: f.size}}}}}
}
func (f *echoFirmware) Interface() int { return 0 }
func (f *echoFirmware) Out(p []byte) {
	f.clk.Advance(f.cost)
	f.pending = append(f.pending, p)
}
func (f *echoFirmware) In() ([]byte, bool) {
	if len(f.pending) == 0 {
		return nil, false
	}
	p := f.pending[0]
	f.pending = f.pending[1:]
	return p, true
}
func (f *echoFirmware) Reset() { f.pending = nil; f.resets++ }

func newEchoBus(t *testing.T, tt link.TransferType, size int, faults *fault.Injector, mode Mode) (*Bus, *Probe, *echoFirmware) {
	t.Helper()
	clk := &clock.Clock{}
	fw := &echoFirmware{clk: clk, cost: 100 * time.Microsecond, ep: tt, size: size}
	b := NewBus()
	p := b.Attach(fw, nil, nil, clk, faults, mode)
	return b, p, fw
}

func roundTrip(t *testing.T, ctx context.Context, l link.Link, msg string) error {
	t.Helper()
	if _, err := l.Write(ctx, []byte(msg)); err != nil {
		return err
	}
	buf := make([]byte, 512)
	n, err := l.Read(ctx, buf)
	if err != nil {
		return err
	}
	if string(buf[:n]) != msg {
		t.Fatalf("echo %q, got %q", msg, buf[:n])
	}
	return nil
}

func TestBusListsAndOpens(t *testing.T) {
	ctx := context.Background()
	b, p, _ := newEchoBus(t, link.Bulk, 512, nil, Mode{})
	devs, err := b.Devices(ctx)
	if err != nil || len(devs) != 1 {
		t.Fatalf("Devices = %v, %v", devs, err)
	}
	if devs[0].Port != "usb:1-1.1" || devs[0].Serial != "ECHO1" {
		t.Errorf("device = %+v", devs[0])
	}
	l, err := b.Open(ctx, p.Port(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Open(ctx, p.Port(), 0); err == nil || !strings.Contains(err.Error(), "already claimed") {
		t.Errorf("second open: %v", err)
	}
	if _, err := b.Open(ctx, "usb:9-9.9", 0); err == nil {
		t.Error("open of a missing port succeeded")
	}
	if err := roundTrip(t, ctx, l, "hello"); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if _, err := l.Write(ctx, []byte("x")); !errors.Is(err, link.ErrClosed) {
		t.Errorf("write after close: %v", err)
	}
	if _, err := b.Open(ctx, p.Port(), 0); err != nil {
		t.Errorf("reopen after close: %v", err)
	}
}

func TestModeledUSBTime(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		tt   link.TransferType
		size int
		// 10 round trips, each costing 100 µs of probe work.
		min, max time.Duration
	}{
		{"HID full speed", link.Interrupt, 64, 10 * time.Millisecond, 22 * time.Millisecond},
		{"bulk high speed", link.Bulk, 512, 10 * 225 * time.Microsecond, 10 * 400 * time.Microsecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, p, _ := newEchoBus(t, tc.tt, tc.size, nil, Mode{})
			l, _ := b.Open(ctx, p.Port(), 0)
			for range 10 {
				if err := roundTrip(t, ctx, l, "ping"); err != nil {
					t.Fatal(err)
				}
			}
			got := l.(link.Clocked).ModeledTime()
			if got < tc.min || got > tc.max {
				t.Errorf("10 round trips took %v modeled, want %v..%v", got, tc.min, tc.max)
			}
		})
	}
}

func TestUnplugFailsTransfersAndReplugMakesNewDevice(t *testing.T) {
	ctx := context.Background()
	b, p, fw := newEchoBus(t, link.Bulk, 512, nil, Mode{})
	l, _ := b.Open(ctx, p.Port(), 0)
	p.Unplug()
	if err := roundTrip(t, ctx, l, "x"); !errors.Is(err, link.ErrDisconnected) {
		t.Fatalf("transfer after unplug: %v", err)
	}
	if devs, _ := b.Devices(ctx); len(devs) != 0 {
		t.Fatalf("unplugged probe still listed: %v", devs)
	}
	p.Plug()
	if fw.resets != 1 {
		t.Errorf("firmware reset %d times on replug", fw.resets)
	}
	if err := roundTrip(t, ctx, l, "x"); !errors.Is(err, link.ErrDisconnected) {
		t.Errorf("old link after replug: %v", err)
	}
	l2, err := b.Open(ctx, p.Port(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := roundTrip(t, ctx, l2, "x"); err != nil {
		t.Fatal(err)
	}
}

func TestFaultUnplugReturnsAfterScans(t *testing.T) {
	ctx := context.Background()
	f := fault.New(1)
	f.SetRate(fault.Unplug, 1)
	b, p, _ := newEchoBus(t, link.Bulk, 512, f, Mode{})
	l, _ := b.Open(ctx, p.Port(), 0)
	if err := roundTrip(t, ctx, l, "x"); !errors.Is(err, link.ErrDisconnected) {
		t.Fatalf("want disconnect, got %v", err)
	}
	f.SetRate(fault.Unplug, 0)
	seen := 0
	for range 3 {
		devs, _ := b.Devices(ctx)
		seen = len(devs)
	}
	if seen != 1 {
		t.Fatalf("probe did not come back after scans")
	}
}

func TestReadWithNothingPendingTimesOut(t *testing.T) {
	ctx := context.Background()
	b, p, _ := newEchoBus(t, link.Bulk, 512, nil, Mode{})
	l, _ := b.Open(ctx, p.Port(), 0)
	start := time.Now()
	tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := l.Read(tctx, make([]byte, 64)); !errors.Is(err, link.ErrTimeout) {
		t.Fatalf("read: %v", err)
	}
	if time.Since(start) > time.Second {
		t.Error("instant mode slept on a timeout")
	}
	if got := l.(link.Clocked).ModeledTime(); got < 4*time.Second {
		t.Errorf("timeout charged only %v", got)
	}
}

func TestLinkFaults(t *testing.T) {
	ctx := context.Background()
	f := fault.New(3)
	f.SetRate(fault.LinkDrop, 1)
	b, p, _ := newEchoBus(t, link.Bulk, 512, f, Mode{})
	l, _ := b.Open(ctx, p.Port(), 0)
	if _, err := l.Write(ctx, []byte("x")); !errors.Is(err, link.ErrTimeout) {
		t.Errorf("dropped packet: write returned %v", err)
	}
	if _, err := l.Read(ctx, make([]byte, 64)); !errors.Is(err, link.ErrTimeout) {
		t.Errorf("dropped packet reached the probe: read returned %v", err)
	}
	f.SetRate(fault.LinkDrop, 0)
	f.SetRate(fault.LinkCorrupt, 1)
	l.Write(ctx, []byte("abcd"))
	buf := make([]byte, 64)
	if n, err := l.Read(ctx, buf); !errors.Is(err, link.ErrTimeout) || n != 0 {
		t.Errorf("corrupt reply: %q %v, want a transfer error and no data", buf[:n], err)
	}
	f.SetRate(fault.LinkCorrupt, 0)
	if err := roundTrip(t, ctx, l, "next"); err != nil {
		t.Errorf("the link did not recover: %v", err)
	}
}

func TestRealtimePaces(t *testing.T) {
	ctx := context.Background()
	b, p, fw := newEchoBus(t, link.Bulk, 512, nil, Mode{Realtime: true, Speed: 2})
	fw.cost = 20 * time.Millisecond
	l, _ := b.Open(ctx, p.Port(), 0)
	start := time.Now()
	for range 5 {
		if err := roundTrip(t, ctx, l, "x"); err != nil {
			t.Fatal(err)
		}
	}
	// 5 × ~20.3 ms modeled at speed 2 ≈ 51 ms of wall time.
	if el := time.Since(start); el < 45*time.Millisecond {
		t.Errorf("realtime mode took only %v of wall time", el)
	}
}
