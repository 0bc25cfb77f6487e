package dap

import "testing"

// FuzzSWDWire drives the wire with arbitrary host activity — raw bit runs
// (line resets, dormant sequences, hand-built packets), input cycles and
// whole transfers — and checks it never panics and that a line reset and
// a DPIDR read always bring the DP back, whatever came before. Input: a
// byte stream of operations, each an opcode byte and its operands.
// wakeBits: at least 8 ones, the 128-bit selection alert, 4 low cycles and
// the SWD activation code, then a line reset (56 ones, 8 low).
var wakeBits = []byte{0xFF, 0x92, 0xF3, 0x09, 0x62, 0x95, 0x2D, 0x85, 0x86, 0xE9, 0xAF, 0xDD, 0xE3, 0xA2, 0x0E, 0xBC, 0x19,
	0xA0, 0xF1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}

func FuzzSWDWire(f *testing.F) {
	// SWD to dormant (56 ones, 0xE3BC): the DP must come back through the wake-up.
	f.Add([]byte{0, 72, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xBC, 0xE3, 2, rdDPIDR})
	f.Add([]byte{0, 64, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 2, rdDPIDR, 2, wrCTRL, 0x50})
	f.Add([]byte{0, 16, 0x9E, 0xE7, 1, 8, 2, 0x99, 3, 4})
	f.Add([]byte{2, rdAPC, 2, wrAP4, 0x20, 2, 0xFF, 1, 33})
	f.Fuzz(func(t *testing.T, ops []byte) {
		ram := newRAM(0x20000000, 4096)
		dp, clk := newM3(ram)
		w := NewSWDWire(clk, nil, dp)
		w.SetSWJ(false)
		for i := 0; i < len(ops); {
			op := ops[i] % 4
			i++
			arg := byte(0)
			if i < len(ops) {
				arg = ops[i]
				i++
			}
			switch op {
			case 0: // raw out: arg bits, data from what follows
				n := int(arg)
				nb := (n + 7) / 8
				end := min(i+nb, len(ops))
				data := make([]byte, nb)
				copy(data, ops[i:end])
				i = end
				w.Out(n, data)
			case 1:
				w.In(int(arg))
			case 2:
				var wdata uint32
				for k := 0; k < 4 && i < len(ops); k++ {
					wdata |= uint32(ops[i]) << (8 * k)
					i++
				}
				w.Transfer(arg, wdata)
			case 3:
				w.Idle(int(arg))
			}
		}
		// Whatever happened, the dormant wake-up sequence followed by a line
		// reset (probes.md §3.1, ADIv5.2 B5.3) and a DPIDR read reach the DP:
		// a line reset alone does not wake a DP left dormant.
		w.Out(len(wakeBits)*8, wakeBits)
		ack, id, ok := w.Transfer(rdDPIDR, 0)
		if ack != AckOK || id != stm32DPIDR || !ok {
			t.Fatalf("after %x: DPIDR read gives ACK %d, %08X, parity %v", ops, ack, id, ok)
		}
	})
}
