package codec

import (
	"encoding/binary"
	"testing"
)

func retHeader(cmd, seq uint32, status int32, actual, packets uint32) []byte {
	b := make([]byte, 48)
	be := binary.BigEndian
	be.PutUint32(b[0:], cmd)
	be.PutUint32(b[4:], seq)
	be.PutUint32(b[20:], uint32(status))
	be.PutUint32(b[24:], actual)
	be.PutUint32(b[32:], packets)
	return b
}

func TestDecodeRet(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		ok   bool
		want Ret
	}{
		{"submit", retHeader(3, 7, 0, 64, 0), true, Ret{Command: 3, Seqnum: 7, ActualLength: 64}},
		{"stall", retHeader(3, 8, -32, 0, 0xFFFFFFFF), true, Ret{Command: 3, Seqnum: 8, Status: -32, NumberOfPackets: 0xFFFFFFFF}},
		{"unlink", retHeader(4, 9, -104, 0, 0), true, Ret{Command: 4, Seqnum: 9, Status: -104}},
		{"short", retHeader(3, 1, 0, 0, 0)[:47], false, Ret{}},
		{"cmd submit echoed", retHeader(1, 1, 0, 0, 0), false, Ret{}},
		{"positive status", retHeader(3, 1, 5, 0, 0), false, Ret{}},
		{"huge", retHeader(3, 1, 0, 1<<25, 0), false, Ret{}},
		{"iso", retHeader(3, 1, 0, 0, 3), false, Ret{}},
	} {
		got, err := DecodeRet(tc.b)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok=%v", tc.name, err, tc.ok)
			continue
		}
		if tc.ok && got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if err := CheckRet(Ret{Command: 3, ActualLength: 65}, 64); err == nil {
		t.Error("a reply longer than the request passed the check")
	}
	if err := CheckRet(Ret{Command: 3, ActualLength: 64}, 64); err != nil {
		t.Errorf("a full reply failed the check: %v", err)
	}
}

func devEntry(busid string, nif uint8) []byte {
	b := make([]byte, 312)
	copy(b, "/sys/devices/flashstation/"+busid)
	copy(b[256:], busid)
	be := binary.BigEndian
	be.PutUint32(b[288:], 1)
	be.PutUint32(b[292:], 5)
	be.PutUint32(b[296:], 3)
	be.PutUint16(b[300:], 0x0483)
	be.PutUint16(b[302:], 0x3748)
	be.PutUint16(b[304:], 0x0100)
	b[309] = 1
	b[311] = nif
	return b
}

func TestDecodeDev(t *testing.T) {
	d, err := DecodeDev(devEntry("1-2.3", 1))
	if err != nil {
		t.Fatal(err)
	}
	if d.BusID != "1-2.3" || d.Busnum != 1 || d.Devnum != 5 || d.VID != 0x0483 || d.PID != 0x3748 || d.ConfigValue != 1 || d.NumIfaces != 1 {
		t.Errorf("dev = %+v", d)
	}
	full := devEntry("1-1", 0)
	for i := 256; i < 288; i++ {
		full[i] = 'x'
	}
	if _, err := DecodeDev(full); err == nil {
		t.Error("a busid without NUL decoded")
	}
	if _, err := DecodeDev(devEntry("", 0)); err == nil {
		t.Error("an empty busid decoded")
	}
	if _, err := DecodeDev(devEntry("1-1", 0)[:311]); err == nil {
		t.Error("a truncated entry decoded")
	}
}

func TestParseBusID(t *testing.T) {
	for _, tc := range []struct {
		in    string
		bus   int
		ports []int
		ok    bool
	}{
		{"1-2", 1, []int{2}, true},
		{"3-1.4.2", 3, []int{1, 4, 2}, true},
		{"1", 0, nil, false},
		{"1-", 0, nil, false},
		{"1-2.", 0, nil, false},
		{"a-1", 0, nil, false},
		{"1-300", 0, nil, false},
		{"1-1.1.1.1.1.1.1.1", 0, nil, false},
	} {
		bus, ports, ok := ParseBusID(tc.in)
		if ok != tc.ok || bus != tc.bus || len(ports) != len(tc.ports) {
			t.Errorf("ParseBusID(%q) = %d %v %v", tc.in, bus, ports, ok)
			continue
		}
		for i := range ports {
			if ports[i] != tc.ports[i] {
				t.Errorf("ParseBusID(%q) ports = %v", tc.in, ports)
			}
		}
	}
}

// stlinkV2Config: an ST-Link/V2's configuration (one vendor interface, three
// bulk endpoints), with an HID descriptor-like extra after the interface.
func stlinkV2Config() []byte {
	c := []byte{9, 2, 0, 0, 1, 1, 0, 0x80, 50,
		9, 4, 0, 0, 3, 0xFF, 0xFF, 0xFF, 4,
		5, 0x21, 1, 2, 3, // an extra descriptor of the interface
		7, 5, 0x81, 2, 64, 0, 0,
		7, 5, 0x02, 2, 64, 0, 0,
		7, 5, 0x83, 2, 64, 0, 0}
	binary.LittleEndian.PutUint16(c[2:], uint16(len(c)))
	return c
}

func TestParseConfig(t *testing.T) {
	got, err := ParseConfig(stlinkV2Config())
	if err != nil {
		t.Fatal(err)
	}
	if got != (ConfigCounts{1, 1, 3, 5}) {
		t.Errorf("counts = %+v", got)
	}
	bad := stlinkV2Config()
	bad[18] = 40 // an extra descriptor running past the end
	if _, err := ParseConfig(bad); err == nil {
		t.Error("a descriptor past the end parsed")
	}
	two := stlinkV2Config()
	two[4] = 0 // bNumInterfaces 0 but an interface follows
	if _, err := ParseConfig(two); err == nil {
		t.Error("more interfaces than bNumInterfaces parsed")
	}
}

// refCounts is an independent reading of a configuration descriptor.
func refCounts(b []byte) (ConfigCounts, bool) {
	if len(b) < 9 || b[0] < 9 || b[1] != 2 {
		return ConfigCounts{}, false
	}
	total := int(binary.LittleEndian.Uint16(b[2:]))
	if total < int(b[0]) {
		return ConfigCounts{}, false
	}
	total = min(total, len(b))
	var c ConfigCounts
	seen := map[byte]bool{}
	inAlt := false
	for off := int(b[0]); off < total; {
		if total-off < 2 || b[off] < 2 || int(b[off]) > total-off {
			return ConfigCounts{}, false
		}
		n := int(b[off])
		switch b[off+1] {
		case 4:
			if n < 9 {
				return ConfigCounts{}, false
			}
			if !seen[b[off+2]] {
				if len(seen) >= int(b[4]) {
					return ConfigCounts{}, false
				}
				seen[b[off+2]] = true
			}
			c.AltSettings++
			inAlt = true
		case 5:
			if n < 7 || !inAlt {
				return ConfigCounts{}, false
			}
			c.Endpoints++
		default:
			c.ExtraBytes += n
		}
		off += n
	}
	c.Interfaces = len(seen)
	return c, true
}

func FuzzParseConfig(f *testing.F) {
	f.Add(stlinkV2Config())
	f.Add([]byte{9, 2, 9, 0, 0, 1, 0, 0x80, 50})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ParseConfig(b)
		want, ok := refCounts(b)
		if (err == nil) != ok {
			t.Fatalf("shim err = %v, reference ok = %v on % x", err, ok, b)
		}
		if ok && got != want {
			t.Fatalf("shim %+v, reference %+v on % x", got, want, b)
		}
	})
}

func FuzzDecodeRet(f *testing.F) {
	f.Add(retHeader(3, 7, 0, 64, 0))
	f.Add(retHeader(4, 9, -104, 0, 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeRet(b)
		if err != nil {
			return
		}
		if r.Command != 3 && r.Command != 4 {
			t.Fatalf("accepted command %d", r.Command)
		}
		if r.Status > 0 || r.ActualLength > 16<<20 {
			t.Fatalf("accepted %+v", r)
		}
	})
}

func FuzzDecodeDev(f *testing.F) {
	f.Add(devEntry("1-2.3", 1))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := DecodeDev(b)
		if err == nil && (len(d.BusID) == 0 || len(d.BusID) > 31) {
			t.Fatalf("accepted busid %q", d.BusID)
		}
		if err == nil {
			ParseBusID(d.BusID)
		}
	})
}
