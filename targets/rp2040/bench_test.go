package rp2040

import (
	"context"
	"fmt"
	"testing"

	"github.com/flashstation/flashstation/targets"
)

// BenchmarkCircuitPython: erase + program of a 751 KiB image at
// 0x10000000 (64 KiB block erases), then verify through XIP, in modeled
// seconds at 4 MHz SWD on CMSIS-DAP v2. Floor (performance.md): 3.0 s.
// div is the SSI clock divider: 2 (ours) or 6 (the bootrom's own).
func BenchmarkCircuitPython(b *testing.B) {
	const floor = 3.0
	for _, div := range []uint32{2, 6} {
		b.Run(fmt.Sprintf("cmsis-dap-v2/ssi-div-%d", div), func(b *testing.B) {
			data := image(7, 751*1024)
			for range b.N {
				r := newRig(b, "cmsis-dap-v2:rp2040")
				r.s.SetSPIDivider(div)
				ctx := context.Background()
				t0 := r.now()
				if err := r.s.Program(ctx, seg(0x10000000, data), targets.ProgramOptions{}, nil); err != nil {
					b.Fatal(err)
				}
				t1 := r.now()
				if err := r.s.Verify(ctx, seg(0x10000000, data), nil); err != nil {
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
