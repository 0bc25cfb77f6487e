package usbip

import (
	"encoding/binary"
	"fmt"
	"io"
)

// USB speeds as usbip carries them (enum usb_device_speed).
const (
	SpeedUnknown uint32 = 0
	SpeedLow     uint32 = 1
	SpeedFull    uint32 = 2
	SpeedHigh    uint32 = 3
	SpeedSuper   uint32 = 5
)

// Field sizes of struct usbip_usb_device.
const (
	pathSize   = 256
	busIDSize  = 32
	deviceSize = pathSize + busIDSize + 3*4 + 3*2 + 6 // 0x138 bytes
	ifaceSize  = 4
	// maxDevices bounds a decoded device list, so a corrupt count cannot
	// make a client allocate without limit.
	maxDevices = 4096
)

// Device is one exported device (struct usbip_usb_device).
type Device struct {
	Path                string // sysfs path on the exporting host, < 256 bytes
	BusID               string // e.g. "1-2.3", < 32 bytes
	BusNum, DevNum      uint32
	Speed               uint32
	VID, PID, BCDDevice uint16
	Class               uint8
	SubClass            uint8
	Protocol            uint8
	ConfigurationValue  uint8
	NumConfigurations   uint8
	NumInterfaces       uint8
	// Interfaces are listed in OP_REP_DEVLIST only (not in OP_REP_IMPORT).
	Interfaces []Interface
}

// Interface is one interface of the active configuration
// (struct usbip_usb_interface; one padding byte follows on the wire).
type Interface struct {
	Class, SubClass, Protocol uint8
}

// DevID is the devid a client puts in URB headers: busnum<<16 | devnum.
func (d Device) DevID() uint32 { return d.BusNum<<16 | d.DevNum&0xFFFF }

func (d Device) encode() ([]byte, error) {
	b := make([]byte, deviceSize)
	if err := putString(b[0:pathSize], d.Path); err != nil {
		return nil, fmt.Errorf("%w (path)", err)
	}
	if err := putString(b[pathSize:pathSize+busIDSize], d.BusID); err != nil {
		return nil, fmt.Errorf("%w (busid)", err)
	}
	o := pathSize + busIDSize
	binary.BigEndian.PutUint32(b[o:], d.BusNum)
	binary.BigEndian.PutUint32(b[o+4:], d.DevNum)
	binary.BigEndian.PutUint32(b[o+8:], d.Speed)
	binary.BigEndian.PutUint16(b[o+12:], d.VID)
	binary.BigEndian.PutUint16(b[o+14:], d.PID)
	binary.BigEndian.PutUint16(b[o+16:], d.BCDDevice)
	copy(b[o+18:], []byte{d.Class, d.SubClass, d.Protocol, d.ConfigurationValue, d.NumConfigurations, d.NumInterfaces})
	return b, nil
}

func decodeDevice(b []byte) Device {
	o := pathSize + busIDSize
	return Device{
		Path: getString(b[:pathSize]), BusID: getString(b[pathSize:o]),
		BusNum: binary.BigEndian.Uint32(b[o:]), DevNum: binary.BigEndian.Uint32(b[o+4:]),
		Speed: binary.BigEndian.Uint32(b[o+8:]),
		VID:   binary.BigEndian.Uint16(b[o+12:]), PID: binary.BigEndian.Uint16(b[o+14:]),
		BCDDevice: binary.BigEndian.Uint16(b[o+16:]),
		Class:     b[o+18], SubClass: b[o+19], Protocol: b[o+20],
		ConfigurationValue: b[o+21], NumConfigurations: b[o+22], NumInterfaces: b[o+23],
	}
}

// EncodeReqDevList is the whole OP_REQ_DEVLIST message.
func EncodeReqDevList() []byte {
	return OpHeader{Version: Version, Code: OpReqDevList}.Encode()
}

// EncodeRepDevList is the whole OP_REP_DEVLIST message: header, count,
// then each device followed by its interfaces. NumInterfaces is taken
// from len(Interfaces).
func EncodeRepDevList(devs []Device) ([]byte, error) {
	b := OpHeader{Version: Version, Code: OpRepDevList, Status: StOK}.Encode()
	b = binary.BigEndian.AppendUint32(b, uint32(len(devs)))
	for i, d := range devs {
		if len(d.Interfaces) > 255 {
			return nil, fmt.Errorf("usbip: device %d (%s): %d interfaces", i, d.BusID, len(d.Interfaces))
		}
		d.NumInterfaces = uint8(len(d.Interfaces))
		db, err := d.encode()
		if err != nil {
			return nil, fmt.Errorf("usbip: device %d: %w", i, err)
		}
		b = append(b, db...)
		for _, in := range d.Interfaces {
			b = append(b, in.Class, in.SubClass, in.Protocol, 0)
		}
	}
	return b, nil
}

// DecodeRepDevList reads the body of OP_REP_DEVLIST (after its OpHeader).
func DecodeRepDevList(r io.Reader) ([]Device, error) {
	var nb [4]byte
	if _, err := io.ReadFull(r, nb[:]); err != nil {
		return nil, fmt.Errorf("usbip: devlist: read device count: %w", err)
	}
	n := binary.BigEndian.Uint32(nb[:])
	if n > maxDevices {
		return nil, fmt.Errorf("usbip: devlist: %d devices (at most %d)", n, maxDevices)
	}
	devs := make([]Device, 0, n)
	buf := make([]byte, deviceSize)
	for i := range n {
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, fmt.Errorf("usbip: devlist: device %d of %d: %w", i, n, err)
		}
		d := decodeDevice(buf)
		ib := make([]byte, ifaceSize*int(d.NumInterfaces))
		if _, err := io.ReadFull(r, ib); err != nil {
			return nil, fmt.Errorf("usbip: devlist: device %d (%s) interfaces: %w", i, d.BusID, err)
		}
		for j := 0; j < len(ib); j += ifaceSize {
			d.Interfaces = append(d.Interfaces, Interface{ib[j], ib[j+1], ib[j+2]})
		}
		devs = append(devs, d)
	}
	return devs, nil
}
