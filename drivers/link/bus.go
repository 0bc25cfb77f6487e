package link

import "context"

// TransferType of a USB endpoint.
type TransferType uint8

const (
	Bulk TransferType = iota
	Interrupt
)

// Endpoint describes one USB endpoint. Address has bit 7 set for IN.
type Endpoint struct {
	Address   uint8
	Type      TransferType
	MaxPacket int // bytes
}

// IsIn reports whether the endpoint carries data from the probe to the host.
func (e Endpoint) IsIn() bool { return e.Address&0x80 != 0 }

// Interface describes one USB interface of a device.
type Interface struct {
	Number    int
	Class     uint8
	SubClass  uint8
	Protocol  uint8
	Name      string // interface string descriptor, "" when none
	Endpoints []Endpoint
}

// Device is what a Bus knows of one attached USB device without claiming it.
type Device struct {
	VID, PID     uint16
	Serial       string // as read from the device; may be empty, binary or duplicated
	Product      string
	Manufacturer string
	// Port is the physical path, "usb:BUS-PORT.PORT…", stable while the
	// device stays in the same socket. It addresses devices whose serials
	// are missing or duplicated.
	Port       string
	BCDDevice  uint16 // device release number, e.g. 0x0100
	Interfaces []Interface
	// OpenErr is set when the device is present but its strings could not be
	// read (most often: no permission). Such devices are listed, not hidden.
	OpenErr error
}

// Bus lists attached devices and opens Links to them.
type Bus interface {
	// Devices lists every attached device. It never disturbs a device that
	// has an open Link.
	Devices(ctx context.Context) ([]Device, error)
	// Open claims interface iface of the device at port and returns a Link
	// over its first OUT and first IN endpoints.
	Open(ctx context.Context, port string, iface int) (Link, error)
}
