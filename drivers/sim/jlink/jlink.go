package jlink

import (
	"fmt"

	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

const (
	vid = 0x1366
	pid = 0x0101
)

// firmware is the identity-only J-Link.
type firmware struct{ serial string }

var _ hw.Firmware = (*firmware)(nil)

// New returns a J-Link whose USB serial is serial, left-padded with zeros
// to 12 characters as J-Links report theirs (a decimal serial such as
// "123456" reads "000000123456").
func New(serial string) hw.Firmware {
	return &firmware{serial: fmt.Sprintf("%012s", serial)}
}

func (f *firmware) Descriptor() link.Device {
	return link.Device{VID: vid, PID: pid, Serial: f.serial, Product: "J-Link",
		Manufacturer: "SEGGER", BCDDevice: 0x0100,
		Interfaces: []link.Interface{{Number: 0, Class: 0xFF, SubClass: 0xFF, Protocol: 0xFF,
			Endpoints: []link.Endpoint{
				{Address: 0x81, Type: link.Bulk, MaxPacket: 64},
				{Address: 0x02, Type: link.Bulk, MaxPacket: 64},
			}}}}
}

func (f *firmware) Interface() int { return 0 }

// Out drops every packet: no J-Link protocol is modelled.
func (f *firmware) Out([]byte) {}

// In never has anything: a host read times out.
func (f *firmware) In() ([]byte, bool) { return nil, false }

func (f *firmware) Reset() {}
