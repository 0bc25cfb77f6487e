package dap

import (
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// sliceBus is the cheapest possible RAM, so the benchmark measures the DP.
type sliceBus []uint32

func (s sliceBus) Read(addr uint32, size int) (uint32, time.Duration, error) {
	return s[(addr>>2)&uint32(len(s)-1)], 0, nil
}

func (s sliceBus) Write(addr uint32, size int, v uint32) (time.Duration, error) {
	s[(addr>>2)&uint32(len(s)-1)] = v
	return 0, nil
}

// BenchmarkDRWWrite1MiB writes 1 MiB as 32-bit DRW writes with TAR
// auto-increment through the fast path: one op is one SWD transaction.
func BenchmarkDRWWrite1MiB(b *testing.B) {
	clk := new(clock.Clock)
	dp := NewDP(hw.DPSpec{DPIDR: stm32DPIDR, Version: 1, APs: []hw.APSpec{{Mem: &hw.MemAPSpec{
		Bus: make(sliceBus, 1<<18), IDR: 0x24770011, WrapBytes: 4096}}}}, clk)
	w := NewSWDWire(clk, nil, dp)
	w.SetClock(4_000_000)
	connect(w)
	w.Transfer(wrAP0, 0x23000012)
	b.ReportAllocs()
	b.ResetTimer()
	addr := uint32(0x20000000)
	for i := 0; i < b.N; i++ {
		if addr&0xFFF == 0 {
			w.Transfer(wrAP4, addr) // a host re-writes TAR per 4 KiB block
		}
		if ack, _, _ := w.Transfer(wrAPC, uint32(i)); ack != AckOK {
			b.Fatalf("ack %03b", ack)
		}
		addr += 4
	}
	b.ReportMetric(float64(b.N)*4/(1<<20), "MiB")
	b.ReportMetric(clk.Now().Seconds(), "modeled-s")
}

func TestDRWWritesAllocateNothing(t *testing.T) {
	clk := new(clock.Clock)
	dp := NewDP(hw.DPSpec{DPIDR: stm32DPIDR, Version: 1, APs: []hw.APSpec{{Mem: &hw.MemAPSpec{
		Bus: make(sliceBus, 1<<10), IDR: 0x24770011, WrapBytes: 4096}}}}, clk)
	w := NewSWDWire(clk, nil, dp)
	connect(w)
	w.Transfer(wrAP0, 0x23000012)
	w.Transfer(wrAP4, 0x20000000)
	if n := testing.AllocsPerRun(1000, func() { w.Transfer(wrAPC, 7) }); n != 0 {
		t.Fatalf("%v allocations per DRW write", n)
	}
}
