package stlink

import (
	"testing"

	"github.com/flashstation/flashstation/drivers/link"
)

func TestVersion(t *testing.T) {
	for _, tc := range []struct {
		m         Model
		ver, verx string
	}{
		// V2J37S7: 2<<12 | 37<<6 | 7 = 0x2947, then VID 0483, PID 3748 (LE).
		{V2, "2947 8304 4837", "none"},
		// V2J17S4: 0x2444.
		{V2Old, "2444 8304 4837", "none"},
		// V2J40M27: 0x2A1B, PID 374b.
		{V21, "2a1b 8304 4b37", "none"},
		// V3: major 3, J and M fields 0 -> the host asks GET_VERSION_EX:
		// major, SWIM, JTAG, MSD, bridge, 3 reserved, VID, PID.
		{V3, "3000 8304 4f37", "03 01 11 0a 06 000000 8304 4f37"}, // V3J17M10B6S1
	} {
		f := newProbe(tc.m, nil)
		want(t, tc.m.String()+" F1", exchange(t, f, block("f1")), tc.ver)
		want(t, tc.m.String()+" FB", exchange(t, f, block("fb")), tc.verx)
	}
}

func TestModes(t *testing.T) {
	f := newProbe(V2, newFake())
	for _, step := range []struct{ cmd, reply string }{
		{"f5", "0100"},       // power-on: mass storage
		{"f3 07", "none"},    // DFU exit: no reply, nothing to leave
		{"f5", "0100"},       //
		{"f2 30 a3", "8000"}, // enter SWD
		{"f5", "0200"},       // debug
		{"f2 21", "none"},    // exit: no reply
		{"f5", "0100"},
		{"f2 30 a4", "0900"}, // JTAG: no chain wired
		{"f5", "0100"},
		{"f4 01", "none"}, // SWIM exit: not a mode this probe is in
	} {
		want(t, step.cmd, exchange(t, f, block(step.cmd)), step.reply)
	}
}

func TestEnterWithoutTarget(t *testing.T) {
	swd := newFake()
	swd.absent = true
	for name, f := range map[string]*Firmware{"absent": newProbe(V2, swd), "unwired": newProbe(V3, nil)} {
		want(t, name+" enter", exchange(t, f, block("f2 30 a3")), "0900")
		want(t, name+" mode", exchange(t, f, block("f5")), "0100")
		want(t, name+" idcodes", exchange(t, f, block("f2 31")), "09000000 00000000 00000000")
	}
	swd = newFake()
	swd.noPower = true
	want(t, "no power-up ack", exchange(t, newProbe(V2, swd), block("f2 30 a3")), "0b00")
}

func TestEnterOnTheWire(t *testing.T) {
	swd := newFake()
	f := newProbe(V2, swd)
	exchange(t, f, block("f2 30 a3"))
	if w := "136:ffffffffffffff9ee7ffffffffffffff00"; len(swd.outs) != 1 || swd.outs[0] != w {
		t.Errorf("line sequence %v, want %s", swd.outs, w)
	}
	got := join(swd.log)
	if w := "rDP0 wDP0=1E wDP4=50000000 rDP4"; got != w {
		t.Errorf("wire %s, want %s", got, w)
	}
}

func TestTargetVoltage(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{
		// a0 = 1552 (0x610); a1 = 3.3*1552/2.4 = 2134 (0x856): 2*2134*1.2/1552 = 3.30 V.
		{3.3, "10060000 56080000"},
		{0, "10060000 00000000"}, // unpowered board or empty nest
	} {
		v := tc.v
		f := New(Config{Model: V2Old, Voltage: func() float64 { return v }})
		want(t, "f7", exchange(t, f, block("f7")), tc.want)
	}
}

func TestSWDFrequency(t *testing.T) {
	swd := newFake()
	f := newProbe(V2, swd)
	if swd.hz != 1_800_000 {
		t.Errorf("power-on SWCLK %d Hz, want 1.8 MHz", swd.hz)
	}
	want(t, "set 480 kHz", exchange(t, f, block("f2 43 0700")), "8000")
	want(t, "set 4 MHz", exchange(t, f, block("f2 43 0000")), "8000")
	if swd.hz != 4_000_000 {
		t.Errorf("SWCLK %d Hz after divisor 0, want 4 MHz", swd.hz)
	}
	old := newFake()
	g := newProbe(V2Old, old)
	want(t, "J17 set freq", exchange(t, g, block("f2 43 0000")), "4200")
	if old.hz != 1_800_000 {
		t.Errorf("J17 SWCLK %d Hz, want the 1.8 MHz default kept", old.hz)
	}
	for _, tc := range []struct {
		div uint16
		kHz uint32
	}{{0, 4000}, {1, 1800}, {7, 480}, {8, 400}, {40, 100}, {798, 5}, {2000, 5}} {
		if got := divisorKHz(tc.div); got != tc.kHz {
			t.Errorf("divisor %d: %d kHz, want %d", tc.div, got, tc.kHz)
		}
	}
}

func TestV3ComFreq(t *testing.T) {
	swd := newFake()
	f := newProbe(V3, swd)
	want(t, "get SWD", exchange(t, f, block("f2 62 00")),
		"80000000 e8030000 07000000 c05d0000 401f0000 e40c0000 e8030000 c8000000 32000000 05000000"+
			"000000000000000000000000")
	want(t, "set 4000 -> 3300", exchange(t, f, block("f2 61 00 00 a00f0000")), "80000000 e40c0000")
	if swd.hz != 3_300_000 {
		t.Errorf("SWCLK %d Hz, want 3.3 MHz", swd.hz)
	}
	want(t, "set 1 -> slowest", exchange(t, f, block("f2 61 00 00 01000000")), "80000000 05000000")
	want(t, "V3 has no SWD_SET_FREQ", exchange(t, f, block("f2 43 0000")), "4200")
	want(t, "V2 has no COM_FREQ", exchange(t, newProbe(V2, nil), block("f2 62 00")), "4200")
}

func TestReadIDCodes(t *testing.T) {
	f, swd := attached(t, V2)
	swd.outs = nil
	want(t, "idcodes", exchange(t, f, block("f2 31")), "80000000 7714a01b 00000000")
	if join(swd.outs) != "64:ffffffffffffff00" || join(swd.log) != "rDP0" {
		t.Errorf("wire %v %v, want a line reset and a DPIDR read", swd.outs, swd.log)
	}
}

func TestUnknownCommands(t *testing.T) {
	f, _ := attached(t, V2)
	for _, cmd := range []string{"f2 7f", "f2 20", "f2 01"} {
		want(t, cmd, exchange(t, f, block(cmd)), "4200")
	}
	want(t, "top-level", exchange(t, f, block("e0")), "none")
	old := newProbe(V2Old, nil)
	want(t, "INIT_AP on J17", exchange(t, old, block("f2 4b 01")), "4200")
	want(t, "CLOSE_AP on J17", exchange(t, old, block("f2 4c 01")), "4200")
	// J17 is past J15: it has GETLASTRWSTATUS2.
	want(t, "GETLASTRWSTATUS2 on J17", exchange(t, old, block("f2 3e")), "80000000 00000000 00000000")
}

func TestDescriptor(t *testing.T) {
	for _, tc := range []struct {
		m       Model
		pid     uint16
		out, in uint8
		maxPkt  int
	}{
		{V2, 0x3748, 0x02, 0x81, 64},
		{V2Old, 0x3748, 0x02, 0x81, 64},
		{V21, 0x374b, 0x01, 0x81, 64},
		{V3, 0x374f, 0x01, 0x81, 512},
	} {
		d := New(Config{Model: tc.m, Serial: "X"}).Descriptor()
		eps := d.Interfaces[0].Endpoints
		if d.VID != 0x0483 || d.PID != tc.pid || d.Serial != "X" || d.Interfaces[0].Class != 0xFF ||
			eps[0] != (link.Endpoint{Address: tc.out, Type: link.Bulk, MaxPacket: tc.maxPkt}) ||
			eps[1] != (link.Endpoint{Address: tc.in, Type: link.Bulk, MaxPacket: tc.maxPkt}) {
			t.Errorf("%s: descriptor %+v", tc.m, d)
		}
	}
}

func TestBinarySerial(t *testing.T) {
	a, b := BinarySerial(7), BinarySerial(8)
	if a != BinarySerial(7) || a == b {
		t.Errorf("serials not stable per seed or not distinct: %q %q", a, b)
	}
	r := []rune(a)
	if len(r) != 12 || r[0] < 0x80 {
		t.Fatalf("serial %q: want 12 runes, the first above 0x7F", a)
	}
	for _, c := range r {
		if c > 0xFF {
			t.Errorf("rune %U does not fit one byte", c)
		}
	}
}

func TestDriveNRST(t *testing.T) {
	var seen []bool
	f := New(Config{Model: V2, Reset: func(a bool) { seen = append(seen, a) }})
	for _, tc := range []struct{ cmd, reply string }{
		{"f2 3c 00", "8000"}, {"f2 3c 01", "8000"}, {"f2 3c 02", "8000"}, {"f2 3c 09", "0800"},
	} {
		want(t, tc.cmd, exchange(t, f, block(tc.cmd)), tc.reply)
	}
	if len(seen) != 4 || !seen[0] || seen[1] || !seen[2] || seen[3] {
		t.Errorf("nRESET %v, want assert, release, assert, release", seen)
	}
	f.Out(unhex(t, block("f2 3c 00")))
	f.In()
	f.Reset()
	if seen[len(seen)-1] {
		t.Error("replug left nRESET asserted")
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}
