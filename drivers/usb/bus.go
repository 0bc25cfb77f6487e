package usb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/gousb"

	"github.com/flashstation/flashstation/drivers/link"
)

// ErrPermission: the device is there but this user may not open it.
var ErrPermission = errors.New("permission denied: install deploy/udev/60-flashstation.rules " +
	"(sudo cp deploy/udev/60-flashstation.rules /etc/udev/rules.d/ && sudo udevadm trigger) " +
	"and add this user to the plugdev group")

// Bus is the libusb-backed link.Bus. Close it when done.
type Bus struct {
	ctx *gousb.Context

	mu    sync.Mutex
	inUse map[string]*usbLink    // port -> the open Link on it
	seen  map[string]link.Device // port -> last description read
}

var _ link.Bus = (*Bus)(nil)

// Open initialises libusb. It fails only when libusb itself cannot start;
// a machine without USB gets a Bus that lists no devices.
func Open() (b *Bus, err error) {
	defer func() {
		// gousb panics when libusb_init fails.
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("usb: libusb could not start: %v", r)
		}
	}()
	return &Bus{ctx: gousb.NewContext(), inUse: map[string]*usbLink{}, seen: map[string]link.Device{}}, nil
}

// Close releases libusb. Links must be closed first.
func (b *Bus) Close() error { return b.ctx.Close() }

// Devices lists the attached devices that may be probes.
func (b *Bus) Devices(ctx context.Context) ([]link.Device, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []link.Device
	wanted := map[string]link.Device{}
	devs, err := b.ctx.OpenDevices(func(d *gousb.DeviceDesc) bool {
		port := portPath(d.Bus, d.Path)
		if _, busy := b.inUse[port]; busy {
			out = append(out, b.seen[port]) // never reopen a probe in use
			return false
		}
		if !worthOpening(d) {
			return false
		}
		wanted[port] = deviceFromDesc(d)
		return true
	})
	opened := map[string]bool{}
	for _, dev := range devs {
		port := portPath(dev.Desc.Bus, dev.Desc.Path)
		opened[port] = true
		d := wanted[port]
		readStrings(dev, &d)
		dev.Close()
		b.seen[port] = d
		out = append(out, d)
	}
	for port, d := range wanted {
		if opened[port] {
			continue
		}
		d.OpenErr = openError(err)
		out = append(out, d)
	}
	return out, nil
}

// openError explains why OpenDevices could not open a device it was asked
// to; libusb reports only the last failure, which on a station is almost
// always a missing udev rule.
func openError(err error) error {
	if err == nil || errors.Is(err, gousb.ErrorAccess) {
		return fmt.Errorf("usb: %w", ErrPermission)
	}
	return fmt.Errorf("usb: cannot open: %w", err)
}

// readStrings fills in the string descriptors. Failures leave fields empty:
// a probe with an unreadable product string is still a device.
func readStrings(dev *gousb.Device, d *link.Device) {
	dev.ControlTimeout = time.Second
	d.Manufacturer, _ = dev.Manufacturer()
	d.Product, _ = dev.Product()
	d.Serial = rawSerial(dev)
	cfgNum, err := dev.ActiveConfigNum()
	if err != nil {
		cfgNum = 1
	}
	for i := range d.Interfaces {
		d.Interfaces[i].Name, _ = dev.InterfaceDescription(cfgNum, d.Interfaces[i].Number, 0)
	}
}

// rawSerial reads the serial string descriptor with control transfers, so
// its UTF-16 code units arrive unfolded (see decodeStringDescriptor).
func rawSerial(dev *gousb.Device) string {
	const (
		inStandardDevice = 0x80
		getDescriptor    = 0x06
	)
	dd := make([]byte, 18)
	if n, err := dev.Control(inStandardDevice, getDescriptor, 0x0100, 0, dd); err != nil || n < 18 {
		return ""
	}
	idx := dd[16] // iSerialNumber
	if idx == 0 {
		return ""
	}
	langs := make([]byte, 255)
	n, err := dev.Control(inStandardDevice, getDescriptor, 0x0300, 0, langs)
	if err != nil || n < 4 {
		return ""
	}
	lang := uint16(langs[2]) | uint16(langs[3])<<8
	raw := make([]byte, 255)
	n, err = dev.Control(inStandardDevice, getDescriptor, 0x0300|uint16(idx), lang, raw)
	if err != nil {
		return ""
	}
	s, err := decodeStringDescriptor(raw[:n])
	if err != nil {
		return ""
	}
	return s
}

// Open claims interface iface of the device at port.
func (b *Bus) Open(ctx context.Context, port string, iface int) (link.Link, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, busy := b.inUse[port]; busy {
		return nil, fmt.Errorf("usb: %s is already open", port)
	}
	devs, err := b.ctx.OpenDevices(func(d *gousb.DeviceDesc) bool { return portPath(d.Bus, d.Path) == port })
	if len(devs) == 0 {
		if err != nil {
			return nil, fmt.Errorf("usb: open %s: %w", port, openError(err))
		}
		return nil, fmt.Errorf("usb: open %s: %w", port, link.ErrDisconnected)
	}
	for _, extra := range devs[1:] {
		extra.Close()
	}
	l, err := claim(devs[0], port, b.seen[port].Serial, iface)
	if err != nil {
		devs[0].Close()
		return nil, err
	}
	l.release = func() {
		b.mu.Lock()
		delete(b.inUse, port)
		b.mu.Unlock()
	}
	b.inUse[port] = l
	if _, ok := b.seen[port]; !ok {
		d := deviceFromDesc(devs[0].Desc)
		readStrings(devs[0], &d)
		b.seen[port] = d
	}
	return l, nil
}
