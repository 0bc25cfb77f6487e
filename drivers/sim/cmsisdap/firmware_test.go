package cmsisdap

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/drivers/sim/clock"
)

// fakeSWD is a scripted SWD target with one AP whose reads are posted, as
// ADIv5 specifies: an AP read returns the previous AP read's value and
// RDBUFF holds the last. Every packet is logged in wire terms.
type fakeSWD struct {
	dpidr  uint32
	ap     map[uint8]uint32
	next   uint32 // next value a DRW read produces (then increments)
	posted uint32
	waits  int // answer WAIT this many times before the next access
	log    []string
	outs   []string
	inBits string
	hz     uint32
}

func newFakeSWD() *fakeSWD { return &fakeSWD{dpidr: 0x2BA01477, ap: map[uint8]uint32{}, next: 0x100} }

func (s *fakeSWD) SetClock(hz uint32)     { s.hz = hz }
func (s *fakeSWD) Configure(int, bool)    {}
func (s *fakeSWD) Idle(int)               {}
func (s *fakeSWD) Out(n int, data []byte) { s.outs = append(s.outs, fmt.Sprintf("%d:%x", n, data)) }
func (s *fakeSWD) In(n int) []byte {
	s.log = append(s.log, fmt.Sprintf("in%d", n))
	return make([]byte, (n+7)/8)
}
func (s *fakeSWD) Transfer(req uint8, w uint32) (uint8, uint32, bool) {
	if req&0x81 != 0x81 {
		panic(fmt.Sprintf("bad start/park in %02x", req))
	}
	ap, rnw, a := req>>1&1 == 1, req>>2&1 == 1, (req>>3&3)<<2
	if s.waits > 0 {
		s.waits--
		s.log = append(s.log, "WAIT")
		return ackWait, 0, true
	}
	kind := "DP"
	if ap {
		kind = "AP"
	}
	if rnw {
		s.log = append(s.log, fmt.Sprintf("r%s%X", kind, a))
	} else {
		s.log = append(s.log, fmt.Sprintf("w%s%X=%X", kind, a, w))
	}
	switch {
	case ap && rnw:
		prev := s.posted
		if a == 0xC {
			s.posted = s.next
			s.next++
		} else {
			s.posted = s.ap[a]
		}
		return ackOK, prev, true
	case ap:
		s.ap[a] = w
	case rnw && a == 0x0:
		return ackOK, s.dpidr, true
	case rnw && a == 0xC:
		return ackOK, s.posted, true
	}
	return ackOK, 0, true
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func exchange(t *testing.T, f *Firmware, req string) string {
	t.Helper()
	f.Out(unhex(t, req))
	r, ok := f.In()
	if !ok {
		t.Fatalf("no reply to %s", req)
	}
	return hex.EncodeToString(r)
}

func newV2(swd *fakeSWD) *Firmware {
	return New(Config{Version: V2, Serial: "SIM0001", Clock: &clock.Clock{}, SWD: swd})
}

func TestInfoAndUnknown(t *testing.T) {
	f := newV2(newFakeSWD())
	for _, tc := range []struct{ req, want string }{
		{"00 fe", "00 01 08"},
		{"00 ff", "00 02 0002"},
		{"00 f0", "00 01 33"},
		{"00 04", "00 06 322e312e3000"}, // "2.1.0\0"
		{"00 03", "00 08 53494d3030303100"},
		{"00 f1", "00 04 40420f00"},
		{"00 fd", "00 00"}, // SWO buffer: not supported
		{"42", "ff"},
		{"02 00", "02 01"}, // connect default -> SWD
		{"02 02", "02 00"}, // no JTAG wired
		{"01 00 01", "01 00"},
		{"04 00 6400 0000", "04 00"},
		{"11 00093d00", "11 00"}, // 4 MHz
		{"09 1000", "09 00"},
	} {
		if got := exchange(t, f, tc.req); got != strings.ReplaceAll(tc.want, " ", "") {
			t.Errorf("%s -> %s, want %s", tc.req, got, tc.want)
		}
	}
}

func TestTransferHidesPostedReadsAndChecksWrites(t *testing.T) {
	swd := newFakeSWD()
	f := newV2(swd)
	exchange(t, f, "02 01")
	// DP read DPIDR (req 0x02): count 1, ACK OK, value.
	if got := exchange(t, f, "05 00 01 02"); got != "050101"+"7714a02b" {
		t.Errorf("DPIDR read = %s", got)
	}
	// AP write TAR (0x05), then three AP reads of DRW (0x0F): the host gets
	// each read's own value; the firmware posts, then collects via RDBUFF.
	swd.log = nil
	got := exchange(t, f, "05 00 04 05 00000020 0f 0f 0f")
	if want := "050401" + "00010000" + "01010000" + "02010000"; got != want {
		t.Errorf("posted reads = %s, want %s", got, want)
	}
	if want := "wAP4=20000000 rAPC rAPC rAPC rDPC"; strings.Join(swd.log, " ") != want {
		t.Errorf("wire = %v, want %s", swd.log, want)
	}
	// A request ending with a write checks it with an RDBUFF read.
	swd.log = nil
	if got := exchange(t, f, "05 00 01 0d 78563412"); got != "050101" {
		t.Errorf("write = %s", got)
	}
	if want := "wAPC=12345678 rDPC"; strings.Join(swd.log, " ") != want {
		t.Errorf("wire = %v, want %s", swd.log, want)
	}
}

func TestTransferWaitRetryAndExhaustion(t *testing.T) {
	swd := newFakeSWD()
	f := newV2(swd)
	exchange(t, f, "02 01")
	exchange(t, f, "04 00 0300 0000") // WAIT retry 3
	swd.waits = 3
	if got := exchange(t, f, "05 00 01 02"); got != "050101"+"7714a02b" {
		t.Errorf("after 3 WAITs = %s", got)
	}
	swd.waits = 4
	if got := exchange(t, f, "05 00 01 02"); got != "050002" {
		t.Errorf("WAIT exhausted = %s, want count 0, ACK WAIT", got)
	}
}

func TestValueMatch(t *testing.T) {
	swd := newFakeSWD()
	f := newV2(swd)
	exchange(t, f, "02 01")
	exchange(t, f, "04 00 6400 0a00") // match retry 10
	// Set the mask (write with bit 5), then poll DRW until value&0xF == 3:
	// DRW reads give 0x100, 0x101, ... so the match is 0x103.
	got := exchange(t, f, "05 00 02 20 0f000000 1f 03000000")
	if got != "050201" {
		t.Errorf("match = %s", got)
	}
	exchange(t, f, "04 00 6400 0100") // match retry 1: cannot reach another 3
	got = exchange(t, f, "05 00 01 1f 03000000")
	if got != "050011" {
		t.Errorf("mismatch = %s, want count 0 and OK|MISMATCH", got)
	}
}

func TestTransferBlock(t *testing.T) {
	swd := newFakeSWD()
	f := newV2(swd)
	exchange(t, f, "02 01")
	swd.log = nil
	if got := exchange(t, f, "06 00 0300 0f"); got != "060300 01 00010000 01010000 02010000" && got != "06030001000100000101000002010000" {
		t.Errorf("block read = %s", got)
	}
	if want := "rAPC rAPC rAPC rDPC"; strings.Join(swd.log, " ") != want {
		t.Errorf("wire = %v", swd.log)
	}
	swd.log = nil
	if got := exchange(t, f, "06 00 0200 0d 01000000 02000000"); got != "06020001" {
		t.Errorf("block write = %s", got)
	}
	if want := "wAPC=1 wAPC=2 rDPC"; strings.Join(swd.log, " ") != want {
		t.Errorf("wire = %v", swd.log)
	}
}

func TestExecuteAndQueueCommands(t *testing.T) {
	swd := newFakeSWD()
	f := newV2(swd)
	if got := exchange(t, f, "05 00 01 02"); got != "050000" {
		t.Errorf("transfer before connect = %s, want 050000", got)
	}
	exchange(t, f, "02 01")
	// Two commands in one packet: Info packet count, then a DP read.
	if got := exchange(t, f, "7f 02 00 fe 05 00 01 02"); got != "7f02"+"0001 08"[0:4]+"08"+"050101"+"7714a02b" {
		t.Errorf("execute = %s", got)
	}
	// Queued packets answer nothing until a plain packet runs them.
	f.Out(unhex(t, "7e 01 00 fe"))
	if _, ok := f.In(); ok {
		t.Fatal("queued packet answered at once")
	}
	f.Out(unhex(t, "00 ff"))
	first, _ := f.In()
	second, _ := f.In()
	if hex.EncodeToString(first) != "7f010001"+"08" || hex.EncodeToString(second) != "00020002" {
		t.Errorf("queue replies = %x, %x", first, second)
	}
}

func TestFailedTransferSkipsRestForNextCommand(t *testing.T) {
	swd := newFakeSWD()
	f := newV2(swd)
	exchange(t, f, "02 01")
	exchange(t, f, "04 00 0000 0000") // no WAIT retries
	swd.waits = 1
	// The first transfer WAITs; its two followers (a write with data, a
	// read) are skipped, and the Info command after them still runs.
	got := exchange(t, f, "7f 02 05 00 03 02 0d 44332211 02 00 fe")
	if got != "7f02"+"050002"+"000108" {
		t.Errorf("got %s", got)
	}
}

func TestHIDRepliesArePadded(t *testing.T) {
	f := New(Config{Version: V1, Serial: "S", SWD: newFakeSWD()})
	f.Out(unhex(t, "00 fe"))
	r, _ := f.In()
	if len(r) != 64 || !bytes.Equal(r[:3], []byte{0, 1, 4}) {
		t.Errorf("HID reply = %x", r)
	}
	if d := f.Descriptor(); d.Interfaces[f.Interface()].Endpoints[0].MaxPacket != 64 {
		t.Error("v1 endpoint is not 64 bytes")
	}
}

func TestSequences(t *testing.T) {
	swd := newFakeSWD()
	f := newV2(swd)
	// Line reset: 51 ones then... as one 56-bit SWJ sequence.
	if got := exchange(t, f, "12 38 ffffffffffffff"); got != "1200" {
		t.Errorf("SWJ_Sequence = %s", got)
	}
	if swd.outs[0] != "56:ffffffffffffff" {
		t.Errorf("wire out = %v", swd.outs)
	}
	// TARGETSEL by DAP_SWD_Sequence: 8 out (0x99), 5 in, 33 out.
	got := exchange(t, f, "1d 03 08 99 85 21 27290001 00")
	if got != "1d0000" {
		t.Errorf("SWD_Sequence = %s", got)
	}
	if swd.outs[1] != "8:99" || swd.outs[2] != "33:2729000100" {
		t.Errorf("wire outs = %v", swd.outs)
	}
}

func TestResetPins(t *testing.T) {
	var reset []bool
	f := New(Config{Version: V2, SWD: newFakeSWD(), Reset: func(a bool) { reset = append(reset, a) }, Voltage: func() float64 { return 3.3 }})
	// Drive nRESET low: the pin reads back low.
	if got := exchange(t, f, "10 00 80 00000000"); got != "102f" {
		t.Errorf("pins with nRESET low = %s", got)
	}
	if got := exchange(t, f, "10 80 80 00000000"); got != "10af" {
		t.Errorf("pins with nRESET high = %s", got)
	}
	if got := exchange(t, f, "0a"); got != "0a0001" {
		t.Errorf("ResetTarget = %s", got)
	}
	if fmt.Sprint(reset) != "[true false true false]" {
		t.Errorf("reset line = %v", reset)
	}
}
