package usbipclient

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/sim/usbip"
)

// Bus is the devices one USB/IP server exports. Port paths are "usb:" and
// the busid, as drivers/sim names them.
type Bus struct {
	addr string
}

var _ link.Bus = (*Bus)(nil)

// New returns the bus of the USB/IP server at addr (host:port).
func New(addr string) *Bus { return &Bus{addr: addr} }

// Devices lists the exported devices with their descriptors.
func (b *Bus) Devices(ctx context.Context) ([]link.Device, error) {
	exp, err := b.list(ctx)
	if err != nil {
		return nil, err
	}
	var out []link.Device
	for _, e := range exp {
		d := link.Device{VID: e.VID, PID: e.PID, BCDDevice: e.BCDDevice, Port: "usb:" + e.BusID}
		k, err := importDevice(ctx, b.addr, e.BusID)
		if err != nil {
			d.OpenErr = err
			out = append(out, d)
			continue
		}
		err = describe(ctx, k, &d)
		k.close()
		if err != nil {
			d.OpenErr = err
		}
		out = append(out, d)
	}
	return out, nil
}

func (b *Bus) list(ctx context.Context) ([]usbip.Device, error) {
	var dl net.Dialer
	c, err := dl.DialContext(ctx, "tcp", b.addr)
	if err != nil {
		return nil, fmt.Errorf("usbipclient: list %s: %w", b.addr, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if _, err := c.Write(usbip.EncodeReqDevList()); err != nil {
		return nil, fmt.Errorf("usbipclient: list %s: %w", b.addr, err)
	}
	h, err := usbip.ReadOpHeader(c)
	if err != nil {
		return nil, fmt.Errorf("usbipclient: list %s: %w", b.addr, err)
	}
	if h.Code != usbip.OpRepDevList || h.Status != usbip.StOK {
		return nil, fmt.Errorf("usbipclient: list %s: reply code 0x%04x status %d", b.addr, h.Code, h.Status)
	}
	return usbip.DecodeRepDevList(c)
}

// describe reads the device, configuration and string descriptors.
func describe(ctx context.Context, k *conn, d *link.Device) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	get := func(typ, index uint8, lang uint16, n uint16) ([]byte, error) {
		return k.control(ctx, usbip.Setup{RequestType: 0x80, Request: 6, Value: uint16(typ)<<8 | uint16(index), Index: lang, Length: n}, nil)
	}
	dd, err := get(1, 0, 0, 18)
	if err != nil {
		return err
	}
	if len(dd) < 18 {
		return fmt.Errorf("usbipclient: %s: device descriptor of %d bytes", k.dev.BusID, len(dd))
	}
	str := func(i uint8) string {
		if i == 0 {
			return ""
		}
		b, err := get(3, i, 0x0409, 255)
		if err != nil {
			return ""
		}
		return decodeString(b)
	}
	d.Manufacturer, d.Product, d.Serial = str(dd[14]), str(dd[15]), str(dd[16])
	head, err := get(2, 0, 0, 9)
	if err != nil {
		return err
	}
	if len(head) < 9 {
		return fmt.Errorf("usbipclient: %s: configuration header of %d bytes", k.dev.BusID, len(head))
	}
	cfg, err := get(2, 0, 0, binary.LittleEndian.Uint16(head[2:]))
	if err != nil {
		return err
	}
	d.Interfaces = parseConfig(cfg, str)
	return nil
}

// parseConfig walks a configuration descriptor (USB 2.0 §9.6.3–9.6.6).
func parseConfig(cfg []byte, str func(uint8) string) []link.Interface {
	var ifs []link.Interface
	for i := 0; i+2 <= len(cfg); {
		n := int(cfg[i])
		if n < 2 || i+n > len(cfg) {
			break
		}
		c := cfg[i : i+n]
		switch c[1] {
		case 4:
			if n >= 9 && c[3] == 0 { // alternate setting 0
				ifs = append(ifs, link.Interface{Number: int(c[2]), Class: c[5], SubClass: c[6], Protocol: c[7], Name: str(c[8])})
			}
		case 5:
			if n >= 7 && len(ifs) > 0 {
				ep := link.Endpoint{Address: c[2], MaxPacket: int(binary.LittleEndian.Uint16(c[4:]) & 0x7FF)}
				if c[3]&3 == 3 {
					ep.Type = link.Interrupt
				}
				last := &ifs[len(ifs)-1]
				last.Endpoints = append(last.Endpoints, ep)
			}
		}
		i += n
	}
	return ifs
}

func decodeString(b []byte) string {
	if len(b) < 2 {
		return ""
	}
	n := min(int(b[0]), len(b))
	u := make([]uint16, 0, n/2)
	for i := 2; i+1 < n; i += 2 {
		u = append(u, binary.LittleEndian.Uint16(b[i:]))
	}
	return string(utf16.Decode(u))
}

// Open imports the device at port and returns a Link over the first OUT
// and first IN endpoint of interface iface.
func (b *Bus) Open(ctx context.Context, port string, iface int) (link.Link, error) {
	busid, ok := strings.CutPrefix(port, "usb:")
	if !ok {
		return nil, fmt.Errorf("usbipclient: port %q: want usb:BUSID", port)
	}
	k, err := importDevice(ctx, b.addr, busid)
	if err != nil {
		return nil, err
	}
	var d link.Device
	if err := describe(ctx, k, &d); err != nil {
		k.close()
		return nil, err
	}
	l := &Link{k: k}
	for _, in := range d.Interfaces {
		if in.Number != iface {
			continue
		}
		for _, ep := range in.Endpoints {
			if ep.IsIn() && l.in.Address == 0 {
				l.in = ep
			} else if !ep.IsIn() && l.out.Address == 0 {
				l.out = ep
			}
		}
	}
	if l.in.Address == 0 || l.out.Address == 0 {
		k.close()
		return nil, fmt.Errorf("usbipclient: %s: interface %d has no IN and OUT endpoint pair", port, iface)
	}
	return l, nil
}

// Link is one claimed interface of an imported device. One goroutine at a
// time, as link.Link says.
type Link struct {
	k       *conn
	in, out link.Endpoint
	rest    []byte // interrupt packet data not yet read
}

var _ link.Link = (*Link)(nil)

// Write is one OUT transfer.
func (l *Link) Write(ctx context.Context, p []byte) (int, error) {
	r, err := l.k.submit(ctx, l.out.Address, false, usbip.Setup{}, p, len(p))
	if err != nil {
		return 0, err
	}
	if err := statusErr(r.Status); err != nil {
		return int(r.ActualLength), fmt.Errorf("usbipclient: %s write ep %02x: %w", l.k.dev.BusID, l.out.Address, err)
	}
	return int(r.ActualLength), nil
}

// Read is one IN transfer of up to len(p) bytes. On an interrupt
// endpoint it reads one packet at a time, as hidraw and a gousb read
// stream do, and keeps what does not fit p for the next Read: an
// interrupt transfer larger than the packet would wait for more packets
// after a full-size report (USB 2.0 §5.7.3).
func (l *Link) Read(ctx context.Context, p []byte) (int, error) {
	if l.in.Type == link.Interrupt {
		if len(l.rest) == 0 {
			r, err := l.k.submit(ctx, l.in.Address, true, usbip.Setup{}, nil, l.in.MaxPacket)
			if err != nil {
				return 0, err
			}
			if err := statusErr(r.Status); err != nil {
				return 0, fmt.Errorf("usbipclient: %s read ep %02x: %w", l.k.dev.BusID, l.in.Address, err)
			}
			l.rest = r.Data
		}
		n := copy(p, l.rest)
		l.rest = l.rest[n:]
		return n, nil
	}
	r, err := l.k.submit(ctx, l.in.Address, true, usbip.Setup{}, nil, len(p))
	if err != nil {
		return 0, err
	}
	n := copy(p, r.Data)
	if err := statusErr(r.Status); err != nil {
		return n, fmt.Errorf("usbipclient: %s read ep %02x: %w", l.k.dev.BusID, l.in.Address, err)
	}
	return n, nil
}

// Close ends the import.
func (l *Link) Close() error { return l.k.close() }
