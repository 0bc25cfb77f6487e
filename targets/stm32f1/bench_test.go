package stm32f1_test

import (
	"context"
	"testing"
	"time"

	"github.com/flashstation/flashstation/targets"
)

// BenchmarkFlash64K: mass erase + program + verify of a 64 KiB image at
// 4 MHz SWD, in modeled seconds beside the physical floor (1.74 s for
// erase + program, performance.md).
func BenchmarkFlash64K(b *testing.B) {
	for _, probe := range []string{"cmsis-dap-v2", "stlink-v3"} {
		b.Run(probe, func(b *testing.B) {
			img := []targets.Segment{{Addr: 0x08000000, Data: image(65536, 9)}}
			var ep, ver time.Duration
			for range b.N {
				bd := open(b, probe+":stm32f103c8", "stm32f103c8")
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
			b.ReportMetric(1.74, "floor-s")
			b.ReportMetric(ep.Seconds()/float64(b.N)/1.74, "x-floor")
		})
	}
}
