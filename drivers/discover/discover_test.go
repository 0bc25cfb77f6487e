package discover

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/link"
)

func bulkIface(n int, name string) link.Interface {
	return link.Interface{Number: n, Class: 0xFF, Name: name, Endpoints: []link.Endpoint{
		{Address: 0x04, Type: link.Bulk, MaxPacket: 64}, {Address: 0x85, Type: link.Bulk, MaxPacket: 64}}}
}

func hidIface(n int, name string) link.Interface {
	return link.Interface{Number: n, Class: 0x03, Name: name, Endpoints: []link.Endpoint{
		{Address: 0x01, Type: link.Interrupt, MaxPacket: 64}, {Address: 0x81, Type: link.Interrupt, MaxPacket: 64}}}
}

func TestClassify(t *testing.T) {
	oldSerial := string([]rune{0x53, 0x3f, 0x6b, 0x06, 0x49, 0x75, 0x52, 0x49, 0x18, 0x50, 0x02, 0x67})
	for _, tc := range []struct {
		name   string
		dev    link.Device
		kind   drivers.Kind
		iface  int
		serial string
		usable bool
	}{
		{"ST-Link V2 old binary serial", link.Device{VID: 0x0483, PID: 0x3748, Serial: oldSerial}, drivers.STLinkV2, 0, "533F6B064975524918500267", true},
		{"ST-Link V2-1", link.Device{VID: 0x0483, PID: 0x374b, Serial: "066DFF485457725187092136"}, drivers.STLinkV21, 0, "066DFF485457725187092136", true},
		{"ST-Link V3 loader", link.Device{VID: 0x0483, PID: 0x374d, Serial: "X"}, drivers.STLinkV3, 0, "X", false},
		{"debugprobe v2 by interface name", link.Device{VID: 0x2e8a, PID: 0x000c, Serial: "E660C062", Product: "Debugprobe on Pico (CMSIS-DAP)",
			Interfaces: []link.Interface{bulkIface(0, "CMSIS-DAP v2 Interface"), {Number: 1, Class: 0x02}}}, drivers.CMSISDAPv2, 0, "E660C062", true},
		{"DAPLink prefers v2", link.Device{VID: 0x0d28, PID: 0x0204, Serial: "0240000", Product: "DAPLink CMSIS-DAP",
			Interfaces: []link.Interface{{Number: 0, Class: 0x08}, hidIface(3, "CMSIS-DAP v1"), bulkIface(4, "CMSIS-DAP v2")}}, drivers.CMSISDAPv2, 4, "0240000", true},
		{"HID-only CMSIS-DAP", link.Device{VID: 0xc251, PID: 0xf001, Serial: "A1", Product: "LPC-Link CMSIS-DAP",
			Interfaces: []link.Interface{hidIface(0, "")}}, drivers.CMSISDAPv1, 0, "A1", true},
		{"J-Link", link.Device{VID: 0x1366, PID: 0x0101, Serial: "000260112345"}, drivers.JLink, 0, "000260112345", true},
		{"no permission, known CMSIS-DAP", link.Device{VID: 0x2e8a, PID: 0x000c, OpenErr: errors.New("permission denied")}, drivers.CMSISDAPv2, 0, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := Classify(tc.dev)
			if !ok {
				t.Fatal("not classified as a probe")
			}
			if f.Kind != tc.kind || f.Interface != tc.iface || f.Serial != tc.serial || f.Usable != tc.usable {
				t.Errorf("got kind %s iface %d serial %q usable %v, want %s %d %q %v", f.Kind, f.Interface, f.Serial, f.Usable, tc.kind, tc.iface, tc.serial, tc.usable)
			}
		})
	}
	for _, d := range []link.Device{
		{VID: 0x046d, PID: 0xc52b, Product: "USB Receiver", Interfaces: []link.Interface{hidIface(0, "")}},
		{VID: 0x0483, PID: 0xdf11, Product: "STM32 BOOTLOADER"},
		{VID: 0x1366, PID: 0x0105 &^ 0x0105},
	} {
		if f, ok := Classify(d); ok {
			t.Errorf("%04x:%04x classified as %s", d.VID, d.PID, f.Kind)
		}
	}
}

func TestParseSelector(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Selector
		err  string
	}{
		{"E660C062", Selector{Serial: "E660C062"}, ""},
		{"0483:3748:533F6B064975524918500267", Selector{VID: 0x0483, PID: 0x3748, HasIDs: true, Serial: "533F6B064975524918500267"}, ""},
		{"usb:1-2.3", Selector{Port: "usb:1-2.3"}, ""},
		{"USB:1-2", Selector{Port: "usb:1-2"}, ""},
		{"", Selector{}, "empty"},
		{"usb:1", Selector{}, "port path must look like"},
		{"usb:1-x", Selector{}, `"x" is not a port number`},
		{"zz:3748:S", Selector{}, "4 hex digits"},
		{"0483:3748:", Selector{}, "serial after VID:PID is empty"},
		{"a:b", Selector{}, "want SERIAL"},
	} {
		got, err := ParseSelector(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseSelector(%q) error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseSelector(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParseSelector(f *testing.F) {
	for _, s := range []string{"E660C062", "0483:3748:S", "usb:1-2.3", "usb:-", "::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := ParseSelector(s)
		if err != nil {
			return
		}
		again, err := ParseSelector(sel.String())
		if err != nil || again != sel {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, sel, sel.String(), again, err)
		}
	})
}

type listBus struct{ devs []link.Device }

func (b listBus) Devices(context.Context) ([]link.Device, error) { return b.devs, nil }
func (b listBus) Open(context.Context, string, int) (link.Link, error) {
	return nil, errors.New("not here")
}

func TestScanAndSelect(t *testing.T) {
	stl := func(port, serial string) link.Device {
		return link.Device{VID: 0x0483, PID: 0x3748, Serial: serial, Port: port}
	}
	bus := listBus{devs: []link.Device{stl("usb:1-1.2", "DUP"), stl("usb:1-1.1", "DUP"), stl("usb:1-1.3", ""), stl("usb:1-1.4", "ABC"),
		{VID: 0x046d, PID: 0xc52b, Port: "usb:1-2"}}}
	found, err := Scan(context.Background(), bus)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 4 || found[0].Device.Port != "usb:1-1.1" {
		t.Fatalf("found = %+v", found)
	}
	if !strings.Contains(strings.Join(found[0].Notes, ";"), "shared with the probe at usb:1-1.2") {
		t.Errorf("duplicate note missing: %v", found[0].Notes)
	}
	if !strings.Contains(strings.Join(found[2].Notes, ";"), "no serial number") {
		t.Errorf("no-serial note missing: %v", found[2].Notes)
	}
	sel := func(s string) Selector { v, _ := ParseSelector(s); return v }
	if f, err := Select(found, sel("abc")); err != nil || f.Device.Port != "usb:1-1.4" {
		t.Errorf("select abc: %v %v", f.Device.Port, err)
	}
	if _, err := Select(found, sel("DUP")); err == nil || !strings.Contains(err.Error(), "2 probes match DUP") {
		t.Errorf("select DUP: %v", err)
	}
	if f, err := Select(found, sel("usb:1-1.2")); err != nil || f.Serial != "DUP" {
		t.Errorf("select by port: %v", err)
	}
	if _, err := Select(found, sel("NOPE")); err == nil || !strings.Contains(err.Error(), "attached: stlink-v2 usb:1-1.1 serial DUP") {
		t.Errorf("select missing: %v", err)
	}
	if _, err := Select(nil, sel("NOPE")); err == nil || !strings.Contains(err.Error(), "no probes are attached") {
		t.Errorf("select on empty bus: %v", err)
	}
}
