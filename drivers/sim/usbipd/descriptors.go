package usbipd

import (
	"encoding/binary"
	"unicode/utf16"

	"github.com/flashstation/flashstation/drivers/link"
)

// Standard descriptor types (USB 2.0 Table 9-5) and HID class ones (HID
// 1.11 §7.1).
const (
	descDevice    = 0x01
	descConfig    = 0x02
	descString    = 0x03
	descInterface = 0x04
	descEndpoint  = 0x05
	descQualifier = 0x06
	descBOS       = 0x0F
	descHID       = 0x21
	descReport    = 0x22
)

// hidReport is the CMSIS-DAP v1 HID report descriptor: one vendor
// collection (usage page FF00, usage 01) with a 64-byte input report, a
// 64-byte output report and a 1-byte feature report, 8-bit fields 0..255,
// no report IDs. This is the layout of Keil's RL-USB default
// USBD_HID_ReportDescriptor that the CMSIS-DAP reference firmware and
// DAPLink ship (HID_UsagePageVendor(0x00), HID_Usage(0x01),
// HID_Collection(Application), LogicalMin 0, LogicalMaxS 0xFF, ReportSize
// 8, ReportCount 64 Input, ReportCount 64 Output, ReportCount 1 Feature),
// 33 bytes; OpenOCD's cmsis_dap_usb_hid.c relies on the 64-byte reports.
var hidReport = []byte{
	0x06, 0x00, 0xFF, // Usage Page (Vendor 0xFF00)
	0x09, 0x01, // Usage (0x01)
	0xA1, 0x01, // Collection (Application)
	0x15, 0x00, // Logical Minimum (0)
	0x26, 0xFF, 0x00, // Logical Maximum (255)
	0x75, 0x08, // Report Size (8)
	0x95, 0x40, // Report Count (64)
	0x09, 0x01, // Usage (0x01)
	0x81, 0x02, // Input (Data, Variable, Absolute)
	0x95, 0x40, // Report Count (64)
	0x09, 0x01, // Usage (0x01)
	0x91, 0x02, // Output (Data, Variable, Absolute)
	0x95, 0x01, // Report Count (1)
	0x09, 0x01, // Usage (0x01)
	0xB1, 0x02, // Feature (Data, Variable, Absolute)
	0xC0, // End Collection
}

// hidReportSize is the size of the input and output reports above.
const hidReportSize = 64

// usbDevice is the full USB face of a simulated probe: the descriptors a
// host reads on ep0, built from what the firmware says it is
// (link.Device) plus what every real device of its kind has.
type usbDevice struct {
	desc      link.Device
	highSpeed bool
	device    []byte // device descriptor, 18 bytes
	config    []byte // configuration descriptor with everything under it
	strings   [][]byte
	// ifaceString[i] is the string index of interface i's name (0: none).
	ifaceString map[int]uint8
	// endpoints by address, with their interface number.
	endpoints map[uint8]endpoint
}

type endpoint struct {
	link.Endpoint
	iface int
}

// String descriptor indexes: the order real probes use (ST-Link, DAPLink,
// MCU-Link all put manufacturer 1, product 2, serial 3).
const (
	strManufacturer = 1
	strProduct      = 2
	strSerial       = 3
)

func newUSBDevice(d link.Device) *usbDevice {
	u := &usbDevice{desc: d, ifaceString: map[int]uint8{}, endpoints: map[uint8]endpoint{}}
	for _, in := range d.Interfaces {
		for _, ep := range in.Endpoints {
			if ep.MaxPacket > 64 {
				u.highSpeed = true // 512-byte bulk packets exist only at high speed
			}
			u.endpoints[ep.Address] = endpoint{ep, in.Number}
		}
	}
	u.strings = [][]byte{
		{4, descString, 0x09, 0x04}, // LANGID 0x0409, English (United States)
		stringDesc(d.Manufacturer), stringDesc(d.Product), stringDesc(d.Serial),
	}
	for _, in := range d.Interfaces {
		if in.Name != "" {
			u.ifaceString[in.Number] = uint8(len(u.strings))
			u.strings = append(u.strings, stringDesc(in.Name))
		}
	}
	u.device = u.deviceDescriptor()
	u.config = u.configDescriptor()
	return u
}

// stringDesc encodes s as a UTF-16LE string descriptor. Runes below 0x100
// become one code unit each, so the 12-byte binary serial of an old
// ST-Link (sim/stlink.BinarySerial) comes out as the 26-byte descriptor
// the real firmware sends: each raw byte in the low half of a code unit.
func stringDesc(s string) []byte {
	units := utf16.Encode([]rune(s))
	if len(units) > 126 {
		units = units[:126] // bLength is one byte
	}
	b := make([]byte, 2, 2+2*len(units))
	b[0], b[1] = byte(2+2*len(units)), descString
	for _, u := range units {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// deviceDescriptor: USB 2.0 §9.6.1. Class 0 (each interface says what it
// is), bMaxPacketSize0 64 as every probe here has, one configuration.
// Checked against a real ST-LINK/V2's `lsusb -v -d 483:3748` in
// stlink-org/stlink#7: bcdUSB 2.00, bDeviceClass 0, bMaxPacketSize0 64,
// bcdDevice 1.00, iManufacturer 1 "STMicroelectronics", iProduct 2 "STM32
// STLink", iSerial 3 (raw bytes on that old firmware), one configuration
// of wTotalLength 39, one interface with 3 endpoints, bmAttributes 0x80,
// MaxPower 100mA (TestSTLinkV2MatchesRealDump).
func (u *usbDevice) deviceDescriptor() []byte {
	b := []byte{18, descDevice, 0x00, 0x02, 0, 0, 0, 64}
	b = binary.LittleEndian.AppendUint16(b, u.desc.VID)
	b = binary.LittleEndian.AppendUint16(b, u.desc.PID)
	b = binary.LittleEndian.AppendUint16(b, u.desc.BCDDevice)
	return append(b, strManufacturer, strProduct, strSerial, 1)
}

// qualifier is the device qualifier (USB 2.0 §9.6.2) a high-speed capable
// device returns; full-speed-only devices stall the request.
func (u *usbDevice) qualifier() []byte {
	return []byte{10, descQualifier, 0x00, 0x02, 0, 0, 0, 64, 1, 0}
}

// configDescriptor: configuration 1, bus powered, 100 mA (ST-Link and
// DAPLink both report 0x80 / 100mA in lsusb -v), each interface with its
// HID class descriptor where it is HID, then its endpoints.
func (u *usbDevice) configDescriptor() []byte {
	b := []byte{9, descConfig, 0, 0, uint8(len(u.desc.Interfaces)), 1, 0, 0x80, 50}
	for _, in := range u.desc.Interfaces {
		b = append(b, 9, descInterface, uint8(in.Number), 0, uint8(len(in.Endpoints)),
			in.Class, in.SubClass, in.Protocol, u.ifaceString[in.Number])
		if in.Class == 0x03 {
			b = append(b, 9, descHID, 0x00, 0x01, 0, 1, descReport)
			b = binary.LittleEndian.AppendUint16(b, uint16(len(hidReport)))
		}
		for _, ep := range in.Endpoints {
			attr, interval := uint8(0x02), uint8(0) // bulk
			if ep.Type == link.Interrupt {
				attr, interval = 0x03, 1 // every frame, as DAPLink's HID endpoints
			}
			b = append(b, 7, descEndpoint, ep.Address, attr)
			b = binary.LittleEndian.AppendUint16(b, uint16(ep.MaxPacket))
			b = append(b, interval)
		}
	}
	binary.LittleEndian.PutUint16(b[2:], uint16(len(b)))
	return b
}

// hidInterface is the number of the HID interface, -1 when none.
func (u *usbDevice) hidInterface() int {
	for _, in := range u.desc.Interfaces {
		if in.Class == 0x03 {
			return in.Number
		}
	}
	return -1
}

func (u *usbDevice) hasInterface(n int) bool {
	for _, in := range u.desc.Interfaces {
		if in.Number == n {
			return true
		}
	}
	return false
}
