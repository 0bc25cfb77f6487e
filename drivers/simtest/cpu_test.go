package simtest

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user+system CPU time so far.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCPUPerMiB is the host CPU one simulated probe costs to move
// 1 MiB into target RAM (16 writes of 64 KiB, each read back) through the
// real driver stack in instant mode: goal ≤ 0.5 s, so dozens of probes
// fit on two cores.
//
//	go test -run - -bench CPUPerMiB -cpuprofile cpu.out ./drivers/simtest
func BenchmarkCPUPerMiB(b *testing.B) {
	for _, tc := range []struct{ name, spec string }{
		{"cmsis-dap-v2", "cmsis-dap-v2:stm32f411ce"},
		{"stlink-v2", "stlink-v2:stm32f411ce"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r, err := Open(b.Context(), tc.spec, Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			mem, err := r.Memory(b.Context(), 4_000_000, nil)
			if err != nil {
				b.Fatal(err)
			}
			src := make([]uint32, 16<<10) // 64 KiB
			dst := make([]uint32, len(src))
			for i := range src {
				src[i] = uint32(i) * 0x9E3779B9
			}
			b.SetBytes(1 << 20)
			c0 := cpuTime(b)
			b.ResetTimer()
			for range b.N {
				for range 16 {
					if err := mem.WriteMemory32(b.Context(), sram411, src); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.StopTimer()
			w := cpuTime(b) - c0
			if err := mem.ReadMemory32(b.Context(), sram411, dst); err != nil {
				b.Fatal(err)
			}
			for i := range src {
				if dst[i] != src[i] {
					b.Fatalf("word %d read back 0x%08x, wrote 0x%08x", i, dst[i], src[i])
				}
			}
			b.ReportMetric(w.Seconds()/float64(b.N), "cpu-s/MiB")
		})
	}
}
