package dap

import (
	"encoding/binary"
	"testing"

	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/fault"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// dormantToSWD is probes.md §3.1: 8 ones, the selection alert, 4 low
// cycles, activation code 0x1A, then a line reset (224 bits).
var dormantToSWD = []byte{
	0xFF,
	0x92, 0xF3, 0x09, 0x62, 0x95, 0x2D, 0x85, 0x86, 0xE9, 0xAF, 0xDD, 0xE3, 0xA2, 0x0E, 0xBC, 0x19,
	0xA0, 0xF1, 0xFF,
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00,
}

var (
	swdToDormant = []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xBC, 0xE3}
	jtagToSWD    = []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x9E, 0xE7,
		0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}
	swdToJTAG = []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x3C, 0xE7, 0xFF}
)

const rp2040DPIDR = 0x0BC12477

// rp2040 is a three-DP multidrop nest: core 0, core 1, rescue DP.
func rp2040() (*SWDWire, []*DP, *clock.Clock) {
	clk := new(clock.Clock)
	var dps []*DP
	for _, inst := range []uint8{0, 1, 0xF} {
		dps = append(dps, NewDP(hw.DPSpec{DPIDR: rp2040DPIDR, Version: 2, TargetID: 0x01002927,
			Instance: inst, APs: []hw.APSpec{{Mem: &hw.MemAPSpec{
				Bus: newRAM(0x20000000, 1024), IDR: 0x04770031, WrapBytes: 1024}}}}, clk))
	}
	return NewSWDWire(clk, nil, dps...), dps, clk
}

// targetSelBits sends TARGETSEL as CMSIS-DAP's DAP_SWD_Sequence does:
// 8 bits out (0x99), 5 cycles in, 33 bits out (data, parity).
func targetSelBits(w *SWDWire, id uint32) []byte {
	w.Out(8, []byte{wrTARGSEL})
	in := w.In(5)
	d := binary.LittleEndian.AppendUint32(nil, id)
	w.Out(33, append(d, byte(parity32(id))))
	w.Idle(2)
	return in
}

func TestMultidropTargetSelViaRawBits(t *testing.T) {
	tests := []struct {
		name   string
		sel    uint32
		chosen int // -1: nobody
	}{
		{"core 0", 0x01002927, 0},
		{"core 1", 0x11002927, 1},
		{"rescue DP", 0xF1002927, 2},
		{"nobody", 0x21002927, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, dps, _ := rp2040()
			w.Out(len(dormantToSWD)*8, dormantToSWD)
			if in := targetSelBits(w, tc.sel); in[0]&0x1F != 0x1F {
				t.Fatalf("someone drove the TARGETSEL ACK: %05b", in[0])
			}
			ack, id, _ := w.Transfer(rdDPIDR, 0)
			if tc.chosen < 0 {
				if ack != AckNone {
					t.Fatalf("deselected nest answered %03b", ack)
				}
				return
			}
			if ack != AckOK || id != rp2040DPIDR {
				t.Fatalf("DPIDR: %03b %#x", ack, id)
			}
			w.Transfer(wrSELECT, 3) // DPBANKSEL 3: DLPIDR
			_, dlpidr, _ := w.Transfer(rdCTRL, 0)
			if want := tc.sel&0xF0000000 | 1; dlpidr != want {
				t.Fatalf("DLPIDR %#x, want %#x", dlpidr, want)
			}
			for i, d := range dps {
				if i != tc.chosen && (d.link != linkLockout || d.sel != 0) {
					t.Fatalf("DP %d not silent: link %d SELECT %#x", i, d.link, d.sel)
				}
			}
		})
	}
}

func TestDormant(t *testing.T) {
	w, _, _ := rp2040()
	dpidr := func() uint8 {
		w.Out(64, lineResetBits)
		targetSelBits(w, 0x01002927)
		ack, _, _ := w.Transfer(rdDPIDR, 0)
		return ack
	}
	if ack := dpidr(); ack != AckNone {
		t.Fatalf("dormant at power-up, yet answered %03b", ack)
	}
	w.Out(len(dormantToSWD)*8, dormantToSWD)
	if ack := dpidr(); ack != AckOK {
		t.Fatalf("after wake-up: %03b", ack)
	}
	w.Out(72, swdToDormant)
	if ack := dpidr(); ack != AckNone {
		t.Fatalf("after SWD-to-dormant: %03b", ack)
	}
	// A wrong activation code leaves it dormant.
	bad := append([]byte(nil), dormantToSWD...)
	bad[17] = 0xB0 // code 0x1B
	w.Out(len(bad)*8, bad)
	if ack := dpidr(); ack != AckNone {
		t.Fatalf("woken by a wrong code: %03b", ack)
	}
}

func TestSWJSwitching(t *testing.T) {
	dp, clk := newM3(newRAM(0x20000000, 1024))
	w := NewSWDWire(clk, nil, dp)
	w.SetSWJ(true)
	steps := []struct {
		name string
		seq  []byte
		bits int
		want uint8
	}{
		{"JTAG at power-up", lineResetBits, 64, AckNone},
		{"JTAG-to-SWD", jtagToSWD, 136, AckOK},
		{"SWD-to-JTAG", swdToJTAG, 80, AckNone},
		{"back to SWD", jtagToSWD, 136, AckOK},
	}
	for _, s := range steps {
		w.Out(s.bits, s.seq)
		if s.name == "SWD-to-JTAG" {
			w.Out(64, lineResetBits)
		}
		if ack, _, _ := w.Transfer(rdDPIDR, 0); ack != s.want {
			t.Fatalf("%s: DPIDR ack %03b, want %03b", s.name, ack, s.want)
		}
	}
}

func TestBitLevelPacketsMatchFastPath(t *testing.T) {
	dp, clk := newM3(newRAM(0x20000000, 1024))
	w := NewSWDWire(clk, nil, dp)
	w.Out(64, lineResetBits)
	// DPIDR read by hand: 8 out, turnaround + ACK + 32 data + parity +
	// turnaround in.
	w.Out(8, []byte{rdDPIDR})
	in := w.In(38)
	var raw uint64
	for i := range in {
		raw |= uint64(in[i]) << (8 * i)
	}
	ack := uint8(raw>>1) & 7
	data := uint32(raw >> 4)
	par := uint32(raw>>36) & 1
	if ack != AckOK || data != stm32DPIDR || par != parity32(stm32DPIDR) {
		t.Fatalf("by hand: ack %03b data %#x parity %d", ack, data, par)
	}
	// A hand-built write with a wrong parity bit sets WDATAERR.
	w.Out(8, []byte{wrSELECT})
	w.In(5)
	w.Out(33, []byte{0xF0, 0, 0, 0, 1}) // 0xF0 has even parity: 1 is wrong
	w.Idle(8)
	if _, st, _ := w.Transfer(rdCTRL, 0); st&CtrlWDataErr == 0 || dp.sel != 0 {
		t.Fatalf("bad write parity: CTRL/STAT %#x SELECT %#x", st, dp.sel)
	}
	// A packet sent right after the two zeros of a line reset (the line
	// monitor still matching sequences) goes the bit-level way and answers
	// like the fast path.
	w.Out(58, lineResetBits)
	if w.quiet() {
		t.Fatal("line monitor idle in the middle of a possible sequence")
	}
	if ack, id, ok := w.Transfer(rdDPIDR, 0); ack != AckOK || id != stm32DPIDR || !ok {
		t.Fatalf("after line reset: %03b %#x %v", ack, id, ok)
	}
	// 30 ones are no line reset but a header of ones: a protocol error.
	w.Out(30, []byte{0xFF, 0xFF, 0xFF, 0xFF})
	w.Idle(2)
	if ack, _, _ := w.Transfer(rdDPIDR, 0); ack != AckNone {
		t.Fatalf("after a header of ones: %03b", ack)
	}
}

func TestEmptyNestAndPower(t *testing.T) {
	clk := new(clock.Clock)
	empty := NewSWDWire(clk, nil)
	empty.Out(64, lineResetBits)
	if ack, v, _ := empty.Transfer(rdDPIDR, 0); ack != AckNone || v != 0xFFFFFFFF {
		t.Fatalf("empty nest: %03b %#x", ack, v)
	}
	if in := empty.In(8); in[0] != 0xFF {
		t.Fatalf("empty nest line: %#x", in[0])
	}

	dp, clk := newM3(newRAM(0x20000000, 1024))
	w := NewSWDWire(clk, nil, dp)
	connect(w)
	w.SetPowered(false)
	if ack, _, _ := w.Transfer(rdDPIDR, 0); ack != AckNone {
		t.Fatalf("unpowered chip answered %03b", ack)
	}
	w.SetPowered(true)
	if ack, _, _ := w.Transfer(rdDPIDR, 0); ack != AckNone {
		t.Fatalf("after power-on, before line reset: %03b", ack)
	}
	w.Out(64, lineResetBits)
	w.Transfer(rdDPIDR, 0)
	if _, st, _ := w.Transfer(rdCTRL, 0); st != 0 {
		t.Fatalf("CTRL/STAT survived power loss: %#x", st)
	}
}

func TestInjectedFaults(t *testing.T) {
	ram := newRAM(0x20000000, 1024)
	ram.mem[0] = 0x5A
	dp, clk := newM3(ram)
	inj := fault.New(1)
	w := NewSWDWire(clk, inj, dp)
	connect(w)

	inj.SetRate(fault.Parity, 1)
	ack, v, ok := w.Transfer(rdDPIDR, 0)
	inj.SetRate(fault.Parity, 0)
	if ack != AckOK || v != stm32DPIDR || ok {
		t.Fatalf("parity fault: %03b %#x parityOK %v", ack, v, ok)
	}

	inj.SetRate(fault.NoAck, 1)
	ack, _, _ = w.Transfer(rdDPIDR, 0)
	inj.SetRate(fault.NoAck, 0)
	if ack != AckNone {
		t.Fatalf("no-ack fault: %03b", ack)
	}

	inj.SetRate(fault.WaitStorm, 1)
	ack, _, _ = w.Transfer(wrAP4, 0x20000000)
	inj.SetRate(fault.WaitStorm, 0)
	if ack != AckWait {
		t.Fatalf("storm: AP write %03b", ack)
	}
	if ack, _, _ := w.Transfer(rdCTRL, 0); ack != AckOK {
		t.Fatalf("storm must spare CTRL/STAT: %03b", ack)
	}
	w.Transfer(wrABORT, AbortDAPAbort) // ends the storm
	if ack, _, _ := w.Transfer(wrAP4, 0x20000000); ack != AckOK {
		t.Fatalf("after DAPABORT: %03b", ack)
	}
	if inj.Fired(fault.WaitStorm) != 1 || inj.Fired(fault.Parity) != 1 || inj.Fired(fault.NoAck) != 1 {
		t.Fatal("injector counts")
	}
}
