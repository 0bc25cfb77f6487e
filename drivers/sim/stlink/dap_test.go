package stlink

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/dap"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// ramBus is 4 KiB of RAM at 0x20000000; anything else is a bus fault.
type ramBus struct{ b [4096]byte }

func (r *ramBus) Read(addr uint32, size int) (uint32, time.Duration, error) {
	off := addr - 0x20000000
	if addr < 0x20000000 || int(off)+size > len(r.b) {
		return 0, 0, hw.ErrBusFault
	}
	var v uint32
	for i := range size {
		v |= uint32(r.b[int(off)+i]) << (8 * i)
	}
	return v, 0, nil
}

func (r *ramBus) Write(addr uint32, size int, v uint32) (time.Duration, error) {
	off := addr - 0x20000000
	if addr < 0x20000000 || int(off)+size > len(r.b) {
		return 0, hw.ErrBusFault
	}
	for i := range size {
		r.b[int(off)+i] = byte(v >> (8 * i))
	}
	return 0, nil
}

// TestOnRealMemAP drives drivers/sim/dap's SW-DP and MEM-AP: entry,
// IDCODE, 32/16/8-bit writes and reads of RAM, the TAR wrap, a bus fault
// and recovery.
func TestOnRealMemAP(t *testing.T) {
	clk := &clock.Clock{}
	ram := &ramBus{}
	dp := dap.NewDP(hw.DPSpec{DPIDR: 0x1BA01477, Version: 1, APs: []hw.APSpec{{Mem: &hw.MemAPSpec{
		Bus: ram, IDR: 0x24770011, WrapBytes: 1024, Sizes: []int{1, 2}}}}}, clk)
	wire := dap.NewSWDWire(clk, nil, dp)
	for _, m := range []Model{V2, V3} {
		f := New(Config{Model: m, Clock: clk, SWD: wire})
		steps := []struct{ name, out, in string }{
			{"enter", block("f2 30 a3"), "8000"},
			{"idcode", block("f2 31"), "80000000 7714a01b 00000000"},
			{"write32", block("f2 08 00000020 1000 00"), "none"},
			{"data", "00112233 44556677 8899aabb ccddeeff", "none"},
			{"status", block("f2 3e"), "80000000 00000000 00000000"},
			{"read32", block("f2 07 04000020 0800 00"), "44556677 8899aabb"},
			{"write16", block("f2 48 02000020 0200 00"), "none"},
			{"data", "a5a5", "none"},
			{"read8", block("f2 0c 00000020 0500 00"), "0011a5a5 44"},
			// This MEM-AP's TAR increments within 1 KiB only (ADIv5's
			// guarantee); commands crossing a boundary still land where
			// they say: the firmware writes TAR again there (OpenOCD's
			// dapdirect driver sends such commands).
			{"write across 1 KiB", block("f2 08 fc030020 0800 00"), "none"},
			{"data", "deadbeef 01020304", "none"},
			{"read across 1 KiB", block("f2 07 f8030020 1000 00"), "00000000 deadbeef 01020304 00000000"},
			{"start unchanged", block("f2 07 00000020 0400 00"), "0011a5a5"},
			{"fault", block("f2 07 fcffff1f 0800 00"), "00000000 00000000"},
			{"fault status", block("f2 3e"), "11000000 fcffff1f 00000000"},
			{"recovered", block("f2 07 00000020 0400 00"), "0011a5a5"},
			{"IDR", block("f2 45 0000 fc00"), "80000000 11007724"},
			{"exit", block("f2 21"), "none"},
		}
		for _, s := range steps {
			f.Out(unhex(t, s.out))
			got := "none"
			if r, ok := f.In(); ok {
				got = hex.EncodeToString(r)
			}
			want(t, m.String()+" "+s.name, got, s.in)
		}
	}
	if clk.Now() <= 0 {
		t.Error("the wire charged no time")
	}
}

// TestRWMisc: the batch OpenOCD's st-link (dapdirect) driver sends (F2 51
// with command bytes and values, F2 52 for results then statuses), byte
// for byte as stlink_usb_misc_rw_segment builds and reads it (0.12).
func TestRWMisc(t *testing.T) {
	clk := &clock.Clock{}
	ram := &ramBus{}
	dp := dap.NewDP(hw.DPSpec{DPIDR: 0x1BA01477, Version: 1, APs: []hw.APSpec{{Mem: &hw.MemAPSpec{
		Bus: ram, IDR: 0x24770011, WrapBytes: 1024, Sizes: []int{1, 2}}}}}, clk)
	wire := dap.NewSWDWire(clk, nil, dp)
	for _, m := range []Model{V2, V3} {
		f := New(Config{Model: m, Clock: clk, SWD: wire})
		steps := []struct{ name, out, in string }{
			{"enter", block("f2 30 a3"), "8000"},
			// APNUM 0; write 0x11223344 at 0x20000010; read it back; read
			// 0x20000014; then an unknown command byte 7.
			{"out", block("f2 51 06000000"), "none"},
			{"batch", "05 01 02 03 03 07 0000" + "00000000 10000020 44332211 10000020 14000020 00000000", "none"},
			{"in", block("f2 52"), "00000000 00000000 00000000 44332211 00000000 00000000" +
				" 80000000 80000000 80000000 80000000 80000000 08000000"},
			// A bus fault on one read: its status says so, the rest run.
			{"out fault", block("f2 51 03000000"), "none"},
			{"batch fault", "03 03 03 00" + "fcffff1f 10000020 00000020", "none"},
			{"in fault", block("f2 52"), "00000000 44332211 00000000 11000000 80000000 80000000"},
			{"in again", block("f2 52"), "0800"},
		}
		for _, s := range steps {
			f.Out(unhex(t, s.out))
			got := "none"
			if r, ok := f.In(); ok {
				got = hex.EncodeToString(r)
			}
			want(t, m.String()+" "+s.name, got, s.in)
		}
	}
	// Firmware before V2J32 has no RW_MISC: STLINK_JTAG_UNKNOWN_CMD.
	f := New(Config{Model: V2Old, Clock: clk, SWD: wire})
	f.Out(unhex(t, block("f2 30 a3")))
	f.In()
	f.Out(unhex(t, block("f2 52")))
	if r, _ := f.In(); hex.EncodeToString(r) != "4200" {
		t.Errorf("V2J17 RW_MISC_IN = % x, want 42 00", r)
	}
}
