package nrf52

import (
	"context"
	"testing"

	"github.com/flashstation/flashstation/targets"
)

// BenchmarkCircuitPython: mass erase + program of a CircuitPython-sized
// image (606 KiB at 0x27000), then verify, in modeled seconds at 4 MHz
// SWD. Floor (performance.md): 606 KiB of word writes at tWRITE 41 µs
// ≈ 6.4 s, plus ERASEALL.
func BenchmarkCircuitPython(b *testing.B) {
	const floor = 606 * 1024 / 4 * 41e-6
	for _, kind := range []string{"cmsis-dap-v2", "stlink-v3"} {
		b.Run(kind, func(b *testing.B) {
			data := image(7, 606*1024)
			for range b.N {
				r := newRig(b, kind+":nrf52840")
				ctx := context.Background()
				t0 := r.now()
				if err := r.s.MassErase(ctx, nil); err != nil {
					b.Fatal(err)
				}
				if err := r.s.Program(ctx, seg(0x27000, data), targets.ProgramOptions{SkipErase: true}, nil); err != nil {
					b.Fatal(err)
				}
				t1 := r.now()
				if err := r.s.Verify(ctx, seg(0x27000, data), nil); err != nil {
					b.Fatal(err)
				}
				t2 := r.now()
				b.ReportMetric((t1 - t0).Seconds(), "erase+program-s")
				b.ReportMetric((t2 - t1).Seconds(), "verify-s")
				b.ReportMetric(floor, "floor-s")
				b.ReportMetric((t1-t0).Seconds()/floor, "x-floor")
			}
		})
	}
}
