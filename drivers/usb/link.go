package usb

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/google/gousb"

	"github.com/flashstation/flashstation/drivers/link"
)

// usbLink is a claimed interface's first OUT and first IN endpoints.
type usbLink struct {
	port    string
	dev     *gousb.Device
	cfg     *gousb.Config
	intf    *gousb.Interface
	out     writer
	in      reader
	release func()
	once    sync.Once
	// HID (interrupt) probes answer one report per frame; keeping IN
	// transfers queued, as the kernel's usbhid does, lets a reply cross in
	// the first frame after the probe has it instead of waiting for the
	// host to ask. Bulk endpoints are read on demand.
	interruptIn bool
	newStream   func() (stream, error)
	stream      stream
}

// The parts of gousb a Link drives, small so tests can fake them.
type (
	writer interface {
		WriteContext(ctx context.Context, p []byte) (int, error)
	}
	reader interface {
		ReadContext(ctx context.Context, p []byte) (int, error)
	}
	// stream is a gousb.ReadStream.
	stream interface {
		reader
		Close() error
	}
	// configurer is the part of a gousb.Device that claim sets up.
	configurer interface {
		SetAutoDetach(bool) error
		ActiveConfigNum() (int, error)
		Config(int) (*gousb.Config, error)
	}
)

// queuedReads is how many interrupt IN transfers stay queued: the
// CMSIS-DAP packet count a HID probe allows in flight.
const queuedReads = 4

var _ link.Link = (*usbLink)(nil)

// activeConfig takes the device's active configuration and only then
// turns on libusb's automatic kernel-driver detach. gousb v1.1.3's
// Device.Config detaches the kernel driver from every interface of the
// configuration when its own auto-detach flag is set (device.go), and
// libusb gives back only the claimed one on release: opening an ST-Link
// V2-1/V3 or a DAPLink that way kills its virtual COM port and its drive.
// With libusb's flag alone, claiming an interface detaches that
// interface's driver and releasing it re-attaches it (libusb
// libusb_set_auto_detach_kernel_driver).
func activeConfig(dev configurer, port string) (*gousb.Config, error) {
	cfgNum, err := dev.ActiveConfigNum()
	if err != nil {
		return nil, fmt.Errorf("usb: %s: active configuration: %w", port, libusbError(err))
	}
	cfg, err := dev.Config(cfgNum)
	if err != nil {
		return nil, fmt.Errorf("usb: %s: configuration %d: %w", port, cfgNum, libusbError(err))
	}
	if err := dev.SetAutoDetach(true); err != nil {
		if cfg != nil {
			cfg.Close()
		}
		return nil, fmt.Errorf("usb: %s: auto-detach: %w", port, libusbError(err))
	}
	return cfg, nil
}

func claim(dev *gousb.Device, port, serial string, iface int) (*usbLink, error) {
	cfg, err := activeConfig(dev, port)
	if err != nil {
		return nil, err
	}
	intf, err := cfg.Interface(iface, 0)
	if err != nil {
		cfg.Close()
		return nil, claimError(port, serial, iface, err)
	}
	l := &usbLink{port: port, dev: dev, cfg: cfg, intf: intf}
	// Lowest endpoint numbers first (the map has no order): the command
	// endpoints come before trace/SWO ones.
	eps := slices.SortedFunc(maps.Values(intf.Setting.Endpoints), func(a, b gousb.EndpointDesc) int { return a.Number - b.Number })
	for _, ep := range eps {
		switch {
		case ep.Direction == gousb.EndpointDirectionOut && l.out == nil:
			l.out, err = intf.OutEndpoint(ep.Number)
		case ep.Direction == gousb.EndpointDirectionIn && l.in == nil:
			var in *gousb.InEndpoint
			in, err = intf.InEndpoint(ep.Number)
			if err == nil {
				l.in = in
				l.interruptIn = ep.TransferType == gousb.TransferTypeInterrupt
				l.newStream = func() (stream, error) { return in.NewStream(in.Desc.MaxPacketSize, queuedReads) }
			}
		}
		if err != nil {
			l.closeHandles()
			return nil, fmt.Errorf("usb: %s: endpoint %d: %w", port, ep.Number, libusbError(err))
		}
	}
	if l.out == nil || l.in == nil {
		l.closeHandles()
		return nil, fmt.Errorf("usb: %s: interface %d lacks an OUT and an IN endpoint", port, iface)
	}
	return l, nil
}

func (l *usbLink) Write(ctx context.Context, p []byte) (int, error) {
	n, err := l.out.WriteContext(ctx, p)
	return transferResult("write", l.port, ctx, n, err)
}

func (l *usbLink) Read(ctx context.Context, p []byte) (int, error) {
	if !l.interruptIn {
		n, err := l.in.ReadContext(ctx, p)
		return transferResult("read", l.port, ctx, n, err)
	}
	if l.stream == nil {
		s, err := l.newStream()
		if err != nil {
			return transferResult("read", l.port, ctx, 0, err)
		}
		l.stream = s
	}
	n, err := l.stream.ReadContext(ctx, p)
	if err != nil {
		// A failed read ends a gousb stream; the next Read starts a new one.
		drain(l.stream)
		l.stream = nil
	}
	return transferResult("read", l.port, ctx, n, err)
}

// transferResult maps a gousb transfer's outcome onto the link sentinels
// drivers test for. gousb ends a transfer whose context expired by
// cancelling it and reports only TransferCancelled (endpoint.go,
// transfer.go wait), so a deadline that passed is link.ErrTimeout — a
// hung probe, the station's fault — and never the caller's cancellation.
// A transfer that did not complete gives no data: what a cancelled IN
// transfer holds is a reply cut short, not one to read.
func transferResult(op, port string, ctx context.Context, n int, err error) (int, error) {
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, gousb.ErrorNoDevice) || errors.Is(err, gousb.TransferNoDevice):
		return 0, fmt.Errorf("usb: %s %s: %w", op, port, link.ErrDisconnected)
	case errors.Is(err, gousb.ErrorTimeout) || errors.Is(err, gousb.TransferTimedOut) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return 0, fmt.Errorf("usb: %s %s: %w (%v)", op, port, link.ErrTimeout, err)
	case ctx.Err() != nil:
		return 0, fmt.Errorf("usb: %s %s: %w", op, port, ctx.Err())
	}
	return 0, fmt.Errorf("usb: %s %s: %w", op, port, libusbError(err))
}

// drain ends a read stream with none of its transfers left in flight.
// gousb's ReadStream.Close only stops resubmitting: the queued transfers
// stay with libusb, whose libusb_close then drops them without a callback
// ("Device handle closed while transfer was still being processed"), and
// gousb's finalizer for each waits for that callback forever, stalling
// every finalizer of the process. Reading after Close with a cancelled
// context cancels and waits for each one until the stream reports its end.
func drain(s stream) {
	s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	buf := make([]byte, 1024)
	for {
		if _, err := s.ReadContext(ctx, buf); err != nil {
			return
		}
	}
}

func (l *usbLink) closeHandles() {
	if l.stream != nil {
		drain(l.stream)
	}
	if l.intf != nil {
		l.intf.Close()
	}
	if l.cfg != nil {
		l.cfg.Close()
	}
	l.dev.Close()
}

// Close releases the interface and the device. Closing twice is harmless.
func (l *usbLink) Close() error {
	l.once.Do(func() {
		l.closeHandles()
		if l.release != nil {
			l.release()
		}
	})
	return nil
}
