package stm32f4_test

import (
	"context"
	"testing"
	"time"

	"github.com/flashstation/flashstation/targets"
)

// BenchmarkFlash512K: mass erase + program + verify of a 512 KiB image at
// 4 MHz SWD, in modeled seconds beside the physical floor (6.1 s for
// erase + program, performance.md).
func BenchmarkFlash512K(b *testing.B) {
	for _, probe := range []string{"cmsis-dap-v2", "stlink-v3"} {
		b.Run(probe, func(b *testing.B) {
			img := []targets.Segment{{Addr: 0x08000000, Data: image(524288, 9)}}
			var ep, ver time.Duration
			for range b.N {
				bd := open(b, probe+":stm32f411ce", "stm32f411ce")
				ctx := context.Background()
				t0 := bd.modeled()
				if err := bd.s.MassErase(ctx, nil); err != nil {
					b.Fatal(err)
				}
				if err := bd.s.Program(ctx, img, targets.ProgramOptions{SkipErase: true}, nil); err != nil {
					b.Fatal(err)
				}
				t1 := bd.modeled()
				if err := bd.s.Verify(ctx, img, nil); err != nil {
					b.Fatal(err)
				}
				ep += t1 - t0
				ver += bd.modeled() - t1
			}
			b.ReportMetric(ep.Seconds()/float64(b.N), "erase+program-s")
			b.ReportMetric(ver.Seconds()/float64(b.N), "verify-s")
			b.ReportMetric(6.1, "floor-s")
			b.ReportMetric(ep.Seconds()/float64(b.N)/6.1, "x-floor")
		})
	}
}
