package usb

import (
	"context"
	"testing"

	"github.com/google/gousb"

	"github.com/flashstation/flashstation/drivers/link"
)

func TestPortPath(t *testing.T) {
	for _, tc := range []struct {
		bus  int
		path []int
		want string
	}{
		{1, []int{2}, "usb:1-2"},
		{3, []int{1, 4, 2}, "usb:3-1.4.2"},
		{2, nil, "usb:2"},
	} {
		if got := portPath(tc.bus, tc.path); got != tc.want {
			t.Errorf("portPath(%d, %v) = %q, want %q", tc.bus, tc.path, got, tc.want)
		}
	}
}

func TestDecodeStringDescriptor(t *testing.T) {
	// A good ST-Link serial: 24 characters, UTF-16LE.
	good := []byte{0x32, 0x03}
	for _, c := range "57FF72067265575742132067" {
		good = append(good, byte(c), 0)
	}
	if s, err := decodeStringDescriptor(good); err != nil || s != "57FF72067265575742132067" {
		t.Errorf("good serial = %q, %v", s, err)
	}
	// The old V2 firmware's 26-byte descriptor: one raw byte per code unit
	// (OpenOCD stlink_usb_get_alternate_serial).
	raw := []byte{0x57, 0xFF, 0x72, 0x06, 0x72, 0x65, 0x57, 0x57, 0x42, 0x13, 0x20, 0x67}
	old := []byte{0x1A, 0x03}
	for _, b := range raw {
		old = append(old, b, 0)
	}
	s, err := decodeStringDescriptor(old)
	if err != nil {
		t.Fatal(err)
	}
	runes := []rune(s)
	if len(runes) != 12 || runes[1] != 0xFF || runes[3] != 0x06 {
		t.Errorf("old serial runes = %x", runes)
	}
	for _, bad := range [][]byte{nil, {0x04, 0x02, 0x41, 0}, {0x03, 0x03, 0x41}} {
		if _, err := decodeStringDescriptor(bad); err == nil {
			t.Errorf("decodeStringDescriptor(% x) accepted", bad)
		}
	}
}

func FuzzDecodeStringDescriptor(f *testing.F) {
	f.Add([]byte{0x1A, 0x03, 0x57, 0x00, 0xFF, 0x00})
	f.Add([]byte{0xFF, 0x03, 0x41})
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := decodeStringDescriptor(raw)
		if err == nil && len([]rune(s)) > len(raw) {
			t.Fatalf("decoded %d runes from %d bytes", len([]rune(s)), len(raw))
		}
	})
}

func TestDescriptorConversion(t *testing.T) {
	// A CMSIS-DAP v2 probe like the Raspberry Pi debugprobe: vendor
	// interface with bulk OUT 0x04 and IN 0x85, plus a CDC interface.
	d := &gousb.DeviceDesc{
		Bus: 1, Path: []int{3, 2}, Vendor: 0x2e8a, Product: 0x000c, Device: 0x0201,
		Configs: map[int]gousb.ConfigDesc{1: {Number: 1, Interfaces: []gousb.InterfaceDesc{
			{Number: 0, AltSettings: []gousb.InterfaceSetting{{Number: 0, Class: gousb.ClassVendorSpec, Endpoints: map[gousb.EndpointAddress]gousb.EndpointDesc{
				0x85: {Address: 0x85, Number: 5, Direction: gousb.EndpointDirectionIn, MaxPacketSize: 64, TransferType: gousb.TransferTypeBulk},
				0x04: {Address: 0x04, Number: 4, Direction: gousb.EndpointDirectionOut, MaxPacketSize: 64, TransferType: gousb.TransferTypeBulk},
			}}}},
			{Number: 1, AltSettings: []gousb.InterfaceSetting{{Number: 0, Class: gousb.ClassComm}}},
		}}},
	}
	if !worthOpening(d) {
		t.Fatal("debugprobe not worth opening")
	}
	got := deviceFromDesc(d)
	if got.Port != "usb:1-3.2" || got.VID != 0x2e8a || got.PID != 0x000c || got.BCDDevice != 0x0201 {
		t.Errorf("device = %+v", got)
	}
	if len(got.Interfaces) != 2 || got.Interfaces[0].Class != 0xFF {
		t.Fatalf("interfaces = %+v", got.Interfaces)
	}
	eps := got.Interfaces[0].Endpoints
	if len(eps) != 2 || eps[0].Address != 0x04 || eps[1].Address != 0x85 || eps[0].Type != link.Bulk {
		t.Errorf("endpoints = %+v", eps)
	}
	mouse := &gousb.DeviceDesc{Bus: 1, Path: []int{1}, Vendor: 0x046d, Configs: map[int]gousb.ConfigDesc{1: {Interfaces: []gousb.InterfaceDesc{
		{AltSettings: []gousb.InterfaceSetting{{Class: gousb.ClassMassStorage}}}}}}}
	if worthOpening(mouse) {
		t.Error("a mass-storage device is worth opening")
	}
}

// This machine may have no USB at all: the bus must still open and list
// nothing rather than fail.
func TestOpenBusWithoutProbes(t *testing.T) {
	b, err := Open()
	if err != nil {
		t.Skipf("libusb unavailable here: %v", err)
	}
	defer b.Close()
	if _, err := b.Devices(context.Background()); err != nil {
		t.Fatalf("Devices: %v", err)
	}
	if _, err := b.Open(context.Background(), "usb:9-9.9", 0); err == nil {
		t.Error("opened a probe that is not there")
	}
}
