package usbipd

import (
	"encoding/binary"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/flashstation/flashstation/drivers/sim/usbip"
)

const spec3 = "cmsis-dap-v2:stm32f411ce,cmsis-dap-v1:nrf52840,stlink-v2:stm32f103c8"

func TestDevList(t *testing.T) {
	ts := startServer(t, spec3+",stlink-v2-old:stm32f103c8,stlink-v21:stm32f103cb,stlink-v3:stm32f411ce,jlink:stm32f103c8")
	devs := ts.devlist(t)
	want := []struct {
		busid    string
		vid, pid uint16
		speed    uint32
		ifaces   int
	}{
		{"1-1.1", 0x1fc9, 0x0143, usbip.SpeedHigh, 2},
		{"1-1.2", 0x0d28, 0x0204, usbip.SpeedFull, 2},
		{"1-1.3", 0x0483, 0x3748, usbip.SpeedFull, 1},
		{"1-1.4", 0x0483, 0x3748, usbip.SpeedFull, 1},
		{"1-2.1", 0x0483, 0x374b, usbip.SpeedFull, 1},
		{"1-2.2", 0x0483, 0x374f, usbip.SpeedHigh, 1},
		{"1-2.3", 0x1366, 0x0101, usbip.SpeedFull, 1},
	}
	if len(devs) != len(want) {
		t.Fatalf("%d devices, want %d", len(devs), len(want))
	}
	for i, w := range want {
		d := devs[i]
		if d.BusID != w.busid || d.VID != w.vid || d.PID != w.pid || d.Speed != w.speed || len(d.Interfaces) != w.ifaces || d.ConfigurationValue != 1 {
			t.Errorf("device %d: %+v, want %+v", i, d, w)
		}
		if !strings.HasSuffix(d.Path, "/"+w.busid) {
			t.Errorf("device %d: path %q does not end in its busid", i, d.Path)
		}
	}
}

func TestDescriptors(t *testing.T) {
	ts := startServer(t, spec3+",stlink-v2-old:stm32f103c8")
	for _, tc := range []struct {
		busid     string
		vid, pid  uint16
		product   string
		hid       bool
		highSpeed bool
	}{
		{"1-1.1", 0x1fc9, 0x0143, "MCU-LINK on-board (r0E7) CMSIS-DAP V3.133", false, true}, // drivers/sim/IDENTITY.md
		{"1-1.2", 0x0d28, 0x0204, "DAPLink CMSIS-DAP", true, false},
		{"1-1.3", 0x0483, 0x3748, "STM32 STLink", false, false},
		{"1-1.4", 0x0483, 0x3748, "STM32 STLink", false, false},
	} {
		t.Run(tc.busid, func(t *testing.T) {
			cl, st := ts.importDevice(t, tc.busid)
			if st != usbip.StOK {
				t.Fatalf("import status %d", st)
			}
			status, dd := cl.getDescriptor(descDevice, 0, 18)
			if status != 0 || len(dd) != 18 || dd[1] != descDevice {
				t.Fatalf("device descriptor: status %d, % x", status, dd)
			}
			if v, p := binary.LittleEndian.Uint16(dd[8:]), binary.LittleEndian.Uint16(dd[10:]); v != tc.vid || p != tc.pid {
				t.Errorf("VID:PID %04x:%04x, want %04x:%04x", v, p, tc.vid, tc.pid)
			}
			// A host reads 9 bytes first, then wTotalLength.
			status, c9 := cl.getDescriptor(descConfig, 0, 9)
			if status != 0 || len(c9) != 9 {
				t.Fatalf("config header: status %d, % x", status, c9)
			}
			total := binary.LittleEndian.Uint16(c9[2:])
			_, cfg := cl.getDescriptor(descConfig, 0, total)
			if len(cfg) != int(total) {
				t.Fatalf("config %d bytes, wTotalLength %d", len(cfg), total)
			}
			hasHID := false
			for i := 0; i < len(cfg); i += int(cfg[i]) {
				if cfg[i] == 0 {
					t.Fatalf("zero-length descriptor at %d", i)
				}
				if cfg[i+1] == descHID {
					hasHID = true
				}
				if cfg[i+1] == descEndpoint {
					mps := binary.LittleEndian.Uint16(cfg[i+4:])
					if (mps == 512) != tc.highSpeed {
						t.Errorf("endpoint %02x wMaxPacketSize %d on a high-speed=%v device", cfg[i+2], mps, tc.highSpeed)
					}
				}
			}
			if hasHID != tc.hid {
				t.Errorf("HID descriptor present %v, want %v", hasHID, tc.hid)
			}
			_, prod := cl.getDescriptor(descString, dd[15], 255)
			if got := decodeString(prod); got != tc.product {
				t.Errorf("product %q, want %q", got, tc.product)
			}
			_, ser := cl.getDescriptor(descString, dd[16], 255)
			serial := ts.fx.Slots[indexOf(ts, tc.busid)].Probe.Serial()
			if got := decodeString(ser); got != serial {
				t.Errorf("serial %q, want %q", got, serial)
			}
			if tc.busid == "1-1.4" && len(ser) != 26 {
				t.Errorf("V2J17 serial descriptor is %d bytes, want 26 (12 raw bytes)", len(ser))
			}
			status, q := cl.getDescriptor(descQualifier, 0, 10)
			if tc.highSpeed != (status == 0 && len(q) == 10) {
				t.Errorf("device qualifier: status %d len %d on high-speed=%v", status, len(q), tc.highSpeed)
			}
			if tc.hid {
				status, rep := cl.control(usbip.Setup{RequestType: 0x81, Request: reqGetDescriptor, Value: descReport << 8, Index: 1, Length: 255}, nil)
				if status != 0 || hexs(rep) != hexs(hidReport) {
					t.Errorf("HID report descriptor: status %d % x", status, rep)
				}
				if status, _ := cl.control(usbip.Setup{RequestType: 0x21, Request: hidSetIdle, Index: 1}, nil); status != 0 {
					t.Errorf("SET_IDLE status %d", status)
				}
			}
			if status, _ := cl.control(usbip.Setup{RequestType: 0x00, Request: reqSetConfiguration, Value: 1}, nil); status != 0 {
				t.Errorf("SET_CONFIGURATION(1): status %d", status)
			}
			if status, _ := cl.control(usbip.Setup{RequestType: 0x00, Request: reqSetConfiguration, Value: 2}, nil); status != usbip.ErrnoEPIPE {
				t.Errorf("SET_CONFIGURATION(2): status %d, want stall", status)
			}
			if status, _ := cl.control(usbip.Setup{RequestType: 0xC0, Request: 0x42, Length: 4}, nil); status != usbip.ErrnoEPIPE {
				t.Errorf("unknown vendor request: status %d, want stall", status)
			}
		})
	}
}

func indexOf(ts *testServer, busid string) int {
	for i, sl := range ts.fx.Slots {
		if BusID(sl.Probe) == busid {
			return i
		}
	}
	return -1
}

func decodeString(b []byte) string {
	if len(b) < 2 {
		return ""
	}
	u := make([]uint16, 0, len(b)/2)
	for i := 2; i+1 < len(b); i += 2 {
		u = append(u, binary.LittleEndian.Uint16(b[i:]))
	}
	return string(utf16.Decode(u))
}

// TestProbeCommands sends a real command to each probe kind through its
// data endpoints: DAP_Info(protocol version) and DAP_Connect(SWD) to the
// CMSIS-DAPs (bulk on v2, interrupt on v1), GET_VERSION to the ST-Link.
func TestProbeCommands(t *testing.T) {
	ts := startServer(t, spec3)
	t.Run("cmsis-dap-v2", func(t *testing.T) {
		cl, _ := ts.importDevice(t, "1-1.1")
		got := cl.transfer(0x01, 0x82, []byte{0x02, 0x01}, 512)
		if hexs(got) != "02 01" {
			t.Errorf("DAP_Connect(SWD) = % x, want 02 01", got)
		}
		got = cl.transfer(0x01, 0x82, []byte{0x00, 0x04}, 512)
		if len(got) < 2 || got[0] != 0 || !strings.HasPrefix(string(got[2:]), "2.") {
			t.Errorf("DAP_Info(4) = % x", got)
		}
	})
	t.Run("cmsis-dap-v1", func(t *testing.T) {
		cl, _ := ts.importDevice(t, "1-1.2")
		pkt := make([]byte, 64)
		pkt[0], pkt[1] = 0x02, 0x01
		got := cl.transfer(0x01, 0x81, pkt, 64)
		if len(got) != 64 || got[0] != 0x02 || got[1] != 0x01 {
			t.Errorf("DAP_Connect(SWD) = % x, want a 64-byte report starting 02 01", got)
		}
		// The same command through SET_REPORT(Output) on ep0, with the
		// interrupt IN URB queued before it, as hidraw keeps one.
		seq := cl.send(0x81, true, 64, usbip.Setup{}, nil)
		setSeq := cl.send(0, false, 64, usbip.Setup{RequestType: 0x21, Request: hidSetReport, Value: 2 << 8, Index: 1, Length: 64}, pkt)
		if r := cl.recvSubmit(setSeq); r.Status != 0 {
			t.Fatalf("SET_REPORT status %d", r.Status)
		}
		r := cl.recvSubmit(seq)
		if len(r.Data) != 64 || r.Data[0] != 0x02 {
			t.Errorf("reply after SET_REPORT = % x", r.Data)
		}
	})
	t.Run("stlink-v2", func(t *testing.T) {
		cl, _ := ts.importDevice(t, "1-1.3")
		cmd := make([]byte, 16)
		cmd[0] = 0xF1
		got := cl.transfer(0x02, 0x81, cmd, 6)
		if len(got) != 6 || binary.LittleEndian.Uint16(got[2:]) != 0x0483 || binary.LittleEndian.Uint16(got[4:]) != 0x3748 {
			t.Errorf("GET_VERSION = % x", got)
		}
		if got[0]>>4 != 2 {
			t.Errorf("GET_VERSION major %d, want 2", got[0]>>4)
		}
	})
	if ev := ts.events.String(); ev != "" {
		t.Logf("events so far: %s", ev)
	}
}

// TestSTLinkV2MatchesRealDump compares the simulated ST-LINK/V2's
// descriptors with the fields of a real one's `lsusb -v` (stlink-org/stlink
// issue #7, 0483:3748).
func TestSTLinkV2MatchesRealDump(t *testing.T) {
	ts := startServer(t, "stlink-v2:stm32f103c8")
	cl, _ := ts.importDevice(t, "1-1.1")
	_, dd := cl.getDescriptor(descDevice, 0, 18)
	_, cfg := cl.getDescriptor(descConfig, 0, 255)
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"bcdUSB", int(binary.LittleEndian.Uint16(dd[2:])), 0x0200},
		{"bDeviceClass", int(dd[4]), 0},
		{"bMaxPacketSize0", int(dd[7]), 64},
		{"bcdDevice", int(binary.LittleEndian.Uint16(dd[12:])), 0x0100},
		{"iManufacturer", int(dd[14]), 1}, {"iProduct", int(dd[15]), 2}, {"iSerial", int(dd[16]), 3},
		{"bNumConfigurations", int(dd[17]), 1},
		{"wTotalLength", int(binary.LittleEndian.Uint16(cfg[2:])), 39},
		{"bNumInterfaces", int(cfg[4]), 1},
		{"bmAttributes", int(cfg[7]), 0x80},
		{"MaxPower (2 mA units)", int(cfg[8]), 50},
		{"bNumEndpoints", int(cfg[9+4]), 3},
		{"bInterfaceClass", int(cfg[9+5]), 0xFF},
	} {
		if c.got != c.want {
			t.Errorf("%s = %#x, the real ST-LINK/V2 has %#x", c.name, c.got, c.want)
		}
	}
	_, m := cl.getDescriptor(descString, 1, 255)
	if decodeString(m) != "STMicroelectronics" {
		t.Errorf("manufacturer %q", decodeString(m))
	}
}
