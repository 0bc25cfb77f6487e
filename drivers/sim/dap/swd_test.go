package dap

import (
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

func TestRequestBytes(t *testing.T) {
	// Header: start, APnDP, RnW, A2, A3, even parity of the four, stop 0,
	// park 1 — LSB first (ADIv5 B4.2).
	build := func(ap, rnw bool, a uint8) uint8 {
		b := uint8(1)
		n := 0
		for i, bit := range []bool{ap, rnw, a&4 != 0, a&8 != 0} {
			if bit {
				b |= 1 << (i + 1)
				n++
			}
		}
		return b | uint8(n&1)<<5 | 1<<7
	}
	tests := []struct {
		name    string
		ap, rnw bool
		a       uint8
		want    uint8
	}{
		{"DPIDR", false, true, 0, rdDPIDR}, {"ABORT", false, false, 0, wrABORT},
		{"rd CTRL", false, true, 4, rdCTRL}, {"wr CTRL", false, false, 4, wrCTRL},
		{"RESEND", false, true, 8, rdRESEND}, {"SELECT", false, false, 8, wrSELECT},
		{"RDBUFF", false, true, 0xC, rdRDBUFF}, {"TARGETSEL", false, false, 0xC, wrTARGSEL},
		{"AP rd 0", true, true, 0, rdAP0}, {"AP rd 4", true, true, 4, rdAP4},
		{"AP rd 8", true, true, 8, rdAP8}, {"AP rd C", true, true, 0xC, rdAPC},
		{"AP wr 0", true, false, 0, wrAP0}, {"AP wr 4", true, false, 4, wrAP4},
		{"AP wr 8", true, false, 8, wrAP8}, {"AP wr C", true, false, 0xC, wrAPC},
	}
	for _, tc := range tests {
		if got := build(tc.ap, tc.rnw, tc.a); got != tc.want {
			t.Errorf("%s: header %#02x, fact sheet %#02x", tc.name, got, tc.want)
		}
		if r := decodeRequest(tc.want); !r.ok || r.ap != tc.ap || r.rnw != tc.rnw || r.a != tc.a {
			t.Errorf("%s: decode %#02x = %+v", tc.name, tc.want, r)
		}
	}
}

func TestLineResetRules(t *testing.T) {
	type step struct {
		reset   bool
		req     uint8
		wdata   uint32
		wantAck uint8
		wantVal uint32
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"no line reset yet: silent", []step{{false, rdDPIDR, 0, AckNone, 0xFFFFFFFF}}},
		{"line reset then DPIDR", []step{{true, rdDPIDR, 0, AckOK, stm32DPIDR}}},
		{"write after line reset is a protocol error", []step{
			{true, wrCTRL, 0x50000000, AckNone, 0},
			{false, rdDPIDR, 0, AckNone, 0}, // locked out
			{true, rdDPIDR, 0, AckOK, stm32DPIDR},
		}},
		{"CTRL/STAT read after line reset is a protocol error", []step{
			{true, rdCTRL, 0, AckNone, 0},
		}},
		{"bad parity header locks out", []step{
			{true, rdDPIDR, 0, AckOK, stm32DPIDR},
			{false, rdDPIDR ^ 0x20, 0, AckNone, 0},
			{false, rdCTRL, 0, AckNone, 0},
		}},
		{"after DPIDR anything goes", []step{
			{true, rdDPIDR, 0, AckOK, stm32DPIDR},
			{false, wrSELECT, 0, AckOK, 0},
			{false, rdCTRL, 0, AckOK, 0},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dp, clk := newM3(newRAM(0x20000000, 1024))
			w := NewSWDWire(clk, nil, dp)
			for i, s := range tc.steps {
				if s.reset {
					w.Out(64, lineResetBits)
				}
				ack, v, _ := w.Transfer(s.req, s.wdata)
				if ack != s.wantAck || s.wantAck == AckOK && s.req&4 != 0 && v != s.wantVal {
					t.Fatalf("step %d: ack %03b data %#x, want %03b %#x", i, ack, v, s.wantAck, s.wantVal)
				}
			}
		})
	}
}

func TestPowerUpHandshake(t *testing.T) {
	dp, clk := newM3(newRAM(0x20000000, 1024))
	w := NewSWDWire(clk, nil, dp)
	w.Out(64, lineResetBits)
	w.Transfer(rdDPIDR, 0)
	// Before power-up an AP access sets STICKYERR; the next one FAULTs.
	if ack, _, _ := w.Transfer(rdAPC, 0); ack != AckOK {
		t.Fatalf("first AP read while powered down: ack %03b", ack)
	}
	if ack, _, _ := w.Transfer(rdAPC, 0); ack != AckFault {
		t.Fatalf("second AP read while powered down: ack %03b, want FAULT", ack)
	}
	w.Transfer(wrABORT, AbortStkErrClr)
	w.Transfer(wrCTRL, CtrlCDbgPwrUpReq|CtrlCSysPwrUpReq)
	_, st, _ := w.Transfer(rdCTRL, 0)
	want := CtrlCDbgPwrUpReq | CtrlCDbgPwrUpAck | CtrlCSysPwrUpReq | CtrlCSysPwrUpAck
	if st&want != want || st&CtrlStickyErr != 0 {
		t.Fatalf("CTRL/STAT %#08x, want %#08x set and no STICKYERR", st, want)
	}
	w.Transfer(wrSELECT, 0xF0) // APBANKSEL 0xF
	w.Transfer(rdAPC, 0)
	if _, idr, _ := w.Transfer(rdRDBUFF, 0); idr != 0x24770011 {
		t.Fatalf("IDR %#x", idr)
	}
}

func TestPostedReadAndRDBUFF(t *testing.T) {
	ram := newRAM(0x20000000, 1024)
	copy(ram.mem, []byte{0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22})
	dp, clk := newM3(ram)
	w := NewSWDWire(clk, nil, dp)
	connect(w)
	w.Transfer(wrAP0, 0x23000012) // 32-bit, increment single
	w.Transfer(wrAP4, 0x20000000)
	steps := []struct {
		req  uint8
		want uint32
	}{
		{rdAPC, 0},          // posted: nothing read before
		{rdAPC, 0x11111111}, // the first word
		{rdRDBUFF, 0x22222222},
		{rdRDBUFF, 0x22222222}, // RDBUFF does not start a read
		{rdRESEND, 0x22222222},
		{rdAP4, 0x22222222}, // still the posted DRW value
		{rdRDBUFF, 0x20000008},
	}
	for i, s := range steps {
		ack, v, ok := w.Transfer(s.req, 0)
		if ack != AckOK || !ok || v != s.want {
			t.Fatalf("step %d (%#02x): ack %03b parity %v data %#x, want %#x", i, s.req, ack, ok, v, s.want)
		}
	}
}

func TestTARWrap(t *testing.T) {
	tests := []struct {
		name  string
		wrap  uint32
		start uint32
		want  uint32
	}{
		{"1 KiB window wraps", 1024, 0x200003FC, 0x20000000},
		{"4 KiB window crosses 1 KiB", 4096, 0x200003FC, 0x20000400},
		{"4 KiB window wraps", 4096, 0x20000FFC, 0x20000000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := new(clock.Clock)
			dp := NewDP(hw.DPSpec{DPIDR: stm32DPIDR, Version: 1, APs: []hw.APSpec{{Mem: &hw.MemAPSpec{
				Bus: newRAM(0x20000000, 8192), IDR: 0x24770011, WrapBytes: tc.wrap}}}}, clk)
			w := NewSWDWire(clk, nil, dp)
			connect(w)
			w.Transfer(wrAP0, 0x23000012)
			w.Transfer(wrAP4, tc.start)
			w.Transfer(wrAPC, 0xCAFEF00D)
			w.Transfer(rdAP4, 0)
			if _, tar, _ := w.Transfer(rdRDBUFF, 0); tar != tc.want {
				t.Fatalf("TAR after write at %#x: %#x, want %#x", tc.start, tar, tc.want)
			}
		})
	}
}

func TestByteLanes(t *testing.T) {
	tests := []struct {
		name   string
		csw    uint32
		addr   uint32
		wdata  uint32 // DRW value written
		mem    []byte // memory at addr&^3 after the write
		rdback uint32 // DRW as read back
	}{
		{"byte lane 0", 0x23000000, 0x20000010, 0x000000AB, []byte{0xAB, 0, 0, 0}, 0x000000AB},
		{"byte lane 2", 0x23000000, 0x20000012, 0x00CD0000, []byte{0, 0, 0xCD, 0}, 0x00CD0000},
		{"byte lane 3", 0x23000000, 0x20000013, 0xEF000000, []byte{0, 0, 0, 0xEF}, 0xEF000000},
		{"half lane 0", 0x23000001, 0x20000010, 0x00001234, []byte{0x34, 0x12, 0, 0}, 0x00001234},
		{"half lane 2", 0x23000001, 0x20000012, 0x56780000, []byte{0, 0, 0x78, 0x56}, 0x56780000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ram := newRAM(0x20000000, 1024)
			dp, clk := newM3(ram)
			w := NewSWDWire(clk, nil, dp)
			connect(w)
			w.Transfer(wrAP0, tc.csw)
			w.Transfer(wrAP4, tc.addr)
			w.Transfer(wrAPC, tc.wdata)
			off := tc.addr&^3 - 0x20000000
			for i, b := range tc.mem {
				if ram.mem[off+uint32(i)] != b {
					t.Fatalf("mem % x, want % x", ram.mem[off:off+4], tc.mem)
				}
			}
			w.Transfer(rdAPC, 0)
			if _, v, _ := w.Transfer(rdRDBUFF, 0); v != tc.rdback {
				t.Fatalf("read back %#08x, want %#08x", v, tc.rdback)
			}
		})
	}
}

func TestBusFaultStickyAndAbort(t *testing.T) {
	dp, clk := newM3(newRAM(0x20000000, 1024))
	w := NewSWDWire(clk, nil, dp)
	connect(w)
	w.Transfer(wrAP0, 0x23000012)
	w.Transfer(wrAP4, 0x40000000) // unmapped
	if ack, _, _ := w.Transfer(wrAPC, 1); ack != AckOK {
		t.Fatalf("faulting write: ack %03b (the error is found after the ACK)", ack)
	}
	if _, st, _ := w.Transfer(rdCTRL, 0); st&CtrlStickyErr == 0 {
		t.Fatalf("STICKYERR not set: %#08x", st)
	}
	for _, req := range []uint8{rdAP4, wrAP4, rdRDBUFF} {
		if ack, _, _ := w.Transfer(req, 0x20000000); ack != AckFault {
			t.Fatalf("%#02x with STICKYERR: ack %03b, want FAULT", req, ack)
		}
	}
	if ack, id, _ := w.Transfer(rdDPIDR, 0); ack != AckOK || id != stm32DPIDR {
		t.Fatalf("DPIDR must answer with STICKYERR set: %03b %#x", ack, id)
	}
	w.Transfer(wrABORT, AbortStkErrClr)
	if ack, _, _ := w.Transfer(wrAP4, 0x20000000); ack != AckOK {
		t.Fatalf("after STKERRCLR: ack %03b", ack)
	}
}

func TestStallAnswersWaitUntilTimePasses(t *testing.T) {
	ram := newRAM(0x20000000, 1024)
	ram.stallFrom, ram.stall = 0x20000100, 200*time.Microsecond
	dp, clk := newM3(ram)
	w := NewSWDWire(clk, nil, dp)
	w.SetClock(4_000_000)
	connect(w)
	w.Transfer(wrAP0, 0x23000012)
	w.Transfer(wrAP4, 0x20000100)
	w.Transfer(wrAPC, 0x12345678)
	start := clk.Now()
	waits := 0
	for {
		ack, _, _ := w.Transfer(wrAPC, 0x9ABCDEF0)
		if ack == AckOK {
			break
		}
		if ack != AckWait {
			t.Fatalf("ack %03b while stalled", ack)
		}
		waits++
		if waits > 1000 {
			t.Fatal("WAIT never ended")
		}
	}
	// A WAIT costs 8+1+3+1 = 13 cycles at 4 MHz (3.25 µs): about 62 of
	// them fill 200 µs.
	if waits < 55 || waits > 70 || clk.Now()-start < 200*time.Microsecond {
		t.Fatalf("%d WAITs over %v", waits, clk.Now()-start)
	}
	// DPIDR and CTRL/STAT are answered even during a stall.
	w.Transfer(wrAPC, 1)
	if ack, _, _ := w.Transfer(rdCTRL, 0); ack != AckOK {
		t.Fatalf("CTRL/STAT during stall: %03b", ack)
	}
	if ack, _, _ := w.Transfer(rdRDBUFF, 0); ack != AckWait {
		t.Fatalf("RDBUFF during stall: %03b, want WAIT", ack)
	}
	w.Transfer(wrABORT, AbortDAPAbort)
	if _, csw, _ := w.Transfer(rdAP0, 0); csw != 0 {
		t.Fatalf("posted read returned %#x", csw)
	}
	if _, csw, _ := w.Transfer(rdRDBUFF, 0); csw&cswTrInProg == 0 {
		t.Fatalf("CSW after DAPABORT mid-transfer: %#08x, want TrInProg", csw)
	}
}

func TestTimeCharged(t *testing.T) {
	dp, clk := newM3(newRAM(0x20000000, 1024))
	w := NewSWDWire(clk, nil, dp)
	w.SetClock(4_000_000)
	w.Out(64, lineResetBits)
	t0 := clk.Now()
	w.Transfer(rdDPIDR, 0)
	if d := clk.Now() - t0; d != 11500*time.Nanosecond {
		t.Fatalf("one transaction at 4 MHz took %v, want 11.5µs (46 cycles)", d)
	}
	t0 = clk.Now()
	w.Idle(8)
	if d := clk.Now() - t0; d != 2*time.Microsecond {
		t.Fatalf("8 idle cycles: %v", d)
	}
}
