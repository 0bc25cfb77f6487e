package rp2040

import (
	"context"
	"log/slog"
	"syscall"
	"testing"
	"time"

	"github.com/flashstation/flashstation/targets"
)

// cpuTime is the process's user+system CPU time so far.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCircuitPython: erase + program of a 751 KiB image at
// 0x10000000 (64 KiB block erases), then verify through XIP, in modeled
// seconds at 4 MHz SWD. Floor (performance.md): 3.0 s.
//
// "clocks" is the session as shipped: clk_sys 125 MHz from PLL_SYS when
// the chip gives it, SSI divider for it. "rosc" keeps the ring
// oscillator with SSI /2 (the old path), "rosc-div6" adds the bootrom's
// own divider. "clock" reports which clk_sys the run got (1 PLL, 0 ROSC).
func BenchmarkCircuitPython(b *testing.B) {
	const floor = 3.0
	for _, tc := range []struct {
		name     string
		noClocks bool
		div      uint32
	}{
		{"clocks", false, 0},
		{"rosc", true, 2},
		{"rosc-div6", true, 6},
	} {
		for _, kind := range []string{"cmsis-dap-v2", "cmsis-dap-v1"} {
			if kind == "cmsis-dap-v1" && tc.name == "rosc-div6" {
				continue
			}
			b.Run(kind+"/"+tc.name, func(b *testing.B) {
				data := image(7, 751*1024)
				var cpu time.Duration
				for range b.N {
					r := newRig(b, kind+":rp2040")
					r.s.noClocks = tc.noClocks
					r.s.SetSPIDivider(tc.div)
					ctx := targets.WithLog(context.Background(), func(l slog.Level, msg string) {
						if l >= slog.LevelWarn && !tc.noClocks {
							b.Log(msg)
						}
					})
					c0 := cpuTime(b)
					t0 := r.now()
					if err := r.s.Program(ctx, seg(0x10000000, data), targets.ProgramOptions{}, nil); err != nil {
						b.Fatal(err)
					}
					t1 := r.now()
					if err := r.s.Verify(ctx, seg(0x10000000, data), nil); err != nil {
						b.Fatal(err)
					}
					t2 := r.now()
					cpu += cpuTime(b) - c0
					b.ReportMetric((t1 - t0).Seconds(), "erase+program-s")
					b.ReportMetric((t2 - t1).Seconds(), "verify-s")
					b.ReportMetric(floor, "floor-s")
					b.ReportMetric((t1-t0).Seconds()/floor, "x-floor")
					b.ReportMetric(map[bool]float64{true: 1}[r.s.clk == clkPLL], "clock")
				}
				b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/run")
			})
		}
	}
}
