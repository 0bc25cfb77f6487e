package usb

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/google/gousb"

	"github.com/flashstation/flashstation/drivers/link"
)

// portPath formats a device's physical location as usb:BUS-P1.P2…; a root
// hub (no path) is usb:BUS.
func portPath(bus int, path []int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "usb:%d", bus)
	for i, p := range path {
		if i == 0 {
			b.WriteByte('-')
		} else {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(p))
	}
	return b.String()
}

// Vendor IDs whose devices are always worth opening: ST (ST-Link), SEGGER
// (J-Link), Arm (DAPLink), Raspberry Pi (debugprobe), Keil, NXP.
var probeVendors = []gousb.ID{0x0483, 0x1366, 0x0d28, 0x2e8a, 0xc251, 0x1fc9, 0x03eb, 0x04b4, 0x1a86, 0x2886}

// worthOpening says whether a device may be a debug probe, from its
// descriptor alone: a known vendor, or an HID or vendor-specific interface
// (where CMSIS-DAP lives) that its strings must confirm.
func worthOpening(d *gousb.DeviceDesc) bool {
	if len(d.Path) == 0 { // root hub
		return false
	}
	if slices.Contains(probeVendors, d.Vendor) {
		return true
	}
	for _, cfg := range d.Configs {
		for _, in := range cfg.Interfaces {
			for _, alt := range in.AltSettings {
				if alt.Class == gousb.ClassHID || alt.Class == gousb.ClassVendorSpec {
					return true
				}
			}
		}
	}
	return false
}

// deviceFromDesc converts what the descriptor says (no strings: those need
// an open device) into a link.Device.
func deviceFromDesc(d *gousb.DeviceDesc) link.Device {
	dev := link.Device{
		VID:       uint16(d.Vendor),
		PID:       uint16(d.Product),
		Port:      portPath(d.Bus, d.Path),
		BCDDevice: uint16(d.Device),
	}
	// The active configuration is almost always 1; take the lowest number.
	cfgNums := make([]int, 0, len(d.Configs))
	for n := range d.Configs {
		cfgNums = append(cfgNums, n)
	}
	slices.Sort(cfgNums)
	if len(cfgNums) == 0 {
		return dev
	}
	cfg := d.Configs[cfgNums[0]]
	for _, in := range cfg.Interfaces {
		if len(in.AltSettings) == 0 {
			continue
		}
		alt := in.AltSettings[0]
		li := link.Interface{Number: in.Number, Class: uint8(alt.Class), SubClass: uint8(alt.SubClass), Protocol: uint8(alt.Protocol)}
		addrs := make([]int, 0, len(alt.Endpoints))
		for a := range alt.Endpoints {
			addrs = append(addrs, int(a))
		}
		// Lowest endpoint numbers first: probes put their command endpoints
		// before trace/SWO ones.
		slices.SortFunc(addrs, func(a, b int) int { return (a & 0x0F) - (b & 0x0F) })
		for _, a := range addrs {
			ep := alt.Endpoints[gousb.EndpointAddress(a)]
			tt := link.Bulk
			if ep.TransferType == gousb.TransferTypeInterrupt {
				tt = link.Interrupt
			}
			li.Endpoints = append(li.Endpoints, link.Endpoint{Address: uint8(a), Type: tt, MaxPacket: ep.MaxPacketSize})
		}
		dev.Interfaces = append(dev.Interfaces, li)
	}
	slices.SortFunc(dev.Interfaces, func(a, b link.Interface) int { return a.Number - b.Number })
	return dev
}

// decodeStringDescriptor decodes a raw USB string descriptor (bLength,
// bDescriptorType 3, UTF-16LE code units) without libusb's ASCII folding,
// so an old ST-Link's twelve raw serial bytes (one per code unit) survive
// as twelve runes below 0x100.
func decodeStringDescriptor(raw []byte) (string, error) {
	if len(raw) < 2 || raw[1] != 0x03 {
		return "", fmt.Errorf("usb: not a string descriptor")
	}
	n := min(int(raw[0]), len(raw))
	if n < 2 || n%2 != 0 {
		return "", fmt.Errorf("usb: string descriptor length %d is not even", raw[0])
	}
	units := make([]uint16, 0, (n-2)/2)
	for i := 2; i+1 < n; i += 2 {
		units = append(units, uint16(raw[i])|uint16(raw[i+1])<<8)
	}
	return string(utf16.Decode(units)), nil
}
