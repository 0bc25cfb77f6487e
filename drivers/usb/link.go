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
	out     *gousb.OutEndpoint
	in      *gousb.InEndpoint
	release func()
	once    sync.Once
	// HID (interrupt) probes answer one report per frame; keeping IN
	// transfers queued, as the kernel's usbhid does, lets a reply cross in
	// the first frame after the probe has it instead of waiting for the
	// host to ask. Bulk endpoints are read on demand.
	interruptIn bool
	stream      *gousb.ReadStream
}

// queuedReads is how many interrupt IN transfers stay queued: the
// CMSIS-DAP packet count a HID probe allows in flight.
const queuedReads = 4

var _ link.Link = (*usbLink)(nil)

func claim(dev *gousb.Device, port string, iface int) (*usbLink, error) {
	// HID probes are bound to the kernel's usbhid driver; detach it while
	// we hold the interface (and give it back on close).
	if err := dev.SetAutoDetach(true); err != nil {
		return nil, fmt.Errorf("usb: %s: auto-detach: %w", port, err)
	}
	cfgNum, err := dev.ActiveConfigNum()
	if err != nil {
		return nil, fmt.Errorf("usb: %s: active configuration: %w", port, err)
	}
	cfg, err := dev.Config(cfgNum)
	if err != nil {
		return nil, fmt.Errorf("usb: %s: configuration %d: %w", port, cfgNum, err)
	}
	intf, err := cfg.Interface(iface, 0)
	if err != nil {
		cfg.Close()
		if errors.Is(err, gousb.ErrorBusy) {
			return nil, fmt.Errorf("usb: %s: interface %d is in use by another program (OpenOCD? another flashstation?): %w", port, iface, err)
		}
		return nil, fmt.Errorf("usb: %s: claim interface %d: %w", port, iface, err)
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
			l.in, err = intf.InEndpoint(ep.Number)
			l.interruptIn = ep.TransferType == gousb.TransferTypeInterrupt
		}
		if err != nil {
			l.closeHandles()
			return nil, fmt.Errorf("usb: %s: endpoint %d: %w", port, ep.Number, err)
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
	return n, l.wrap("write", ctx, err)
}

func (l *usbLink) Read(ctx context.Context, p []byte) (int, error) {
	if !l.interruptIn {
		n, err := l.in.ReadContext(ctx, p)
		return n, l.wrap("read", ctx, err)
	}
	if l.stream == nil {
		s, err := l.in.NewStream(l.in.Desc.MaxPacketSize, queuedReads)
		if err != nil {
			return 0, l.wrap("read", ctx, err)
		}
		l.stream = s
	}
	n, err := l.stream.ReadContext(ctx, p)
	if err != nil {
		// A failed read ends a gousb stream; the next Read starts a new one.
		drain(l.stream)
		l.stream = nil
	}
	return n, l.wrap("read", ctx, err)
}

// drain ends a read stream with none of its transfers left in flight.
// gousb's ReadStream.Close only stops resubmitting: the queued transfers
// stay with libusb, whose libusb_close then drops them without a callback
// ("Device handle closed while transfer was still being processed"), and
// gousb's finalizer for each waits for that callback forever, stalling
// every finalizer of the process. Reading after Close with a cancelled
// context cancels and waits for each one until the stream reports its end.
func drain(s *gousb.ReadStream) {
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

// wrap maps libusb's errors onto the link sentinels drivers test for.
func (l *usbLink) wrap(op string, ctx context.Context, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gousb.ErrorNoDevice) || errors.Is(err, gousb.TransferNoDevice):
		return fmt.Errorf("usb: %s %s: %w", op, l.port, link.ErrDisconnected)
	case errors.Is(err, gousb.ErrorTimeout) || errors.Is(err, gousb.TransferTimedOut) ||
		errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("usb: %s %s: %w", op, l.port, link.ErrTimeout)
	case ctx.Err() != nil:
		return fmt.Errorf("usb: %s %s: %w", op, l.port, ctx.Err())
	}
	return fmt.Errorf("usb: %s %s: %w", op, l.port, err)
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
