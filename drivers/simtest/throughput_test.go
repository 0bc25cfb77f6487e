package simtest

import (
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/arm"
	"github.com/flashstation/flashstation/drivers/cmsisdap"
)

// CMSIS-DAP memory goes through arm's pipelined runs (one TAR write per
// window travelling with the data); without them v1 misses its goal.
var _ arm.BlockRunner = (*cmsisdap.Probe)(nil)

// sram411 is the STM32F411's SRAM (RM0383 §2.3).
const sram411 = 0x20000000

// throughputCases are the modeled-throughput goals per probe kind: 64 KiB
// of F411 SRAM at 4 MHz SWD, each way, as a share of the link's ceiling.
var throughputCases = []struct {
	name string
	spec string
	min  float64
	skip string
}{
	{"cmsis-dap-v2", "cmsis-dap-v2:stm32f411ce", 0.85, ""},
	{"cmsis-dap-v1", "cmsis-dap-v1:stm32f411ce", 0.85, ""},
	{"stlink-v2", "stlink-v2:stm32f411ce", 0.80, ""},
	{"stlink-v3", "stlink-v3:stm32f411ce", 0.80, ""},
}

// TestThroughput keeps the modeled RAM throughput of each probe kind at
// its goal, so a driver change that adds round trips shows here.
func TestThroughput(t *testing.T) {
	for _, tc := range throughputCases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := RAM(t.Context(), tc.spec, nil, sram411, 64<<10, 4_000_000)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("write %v read %v ceiling %v at %d kHz: %.1f%% / %.1f%%",
				f.Write, f.Read, f.Ceiling, f.ClockHz/1000, 100*f.WriteShare(), 100*f.ReadShare())
			if tc.skip != "" {
				t.Skip(tc.skip)
			}
			if f.WriteShare() < tc.min || f.ReadShare() < tc.min {
				t.Errorf("write %.1f%%, read %.1f%% of the ceiling; want at least %.0f%%",
					100*f.WriteShare(), 100*f.ReadShare(), 100*tc.min)
			}
		})
	}
}

// BenchmarkRAM64KiB reports modeled milliseconds and the share of the
// link's ceiling per probe kind:
//
//	go test -run - -bench RAM64KiB ./drivers/simtest
func BenchmarkRAM64KiB(b *testing.B) {
	for _, tc := range throughputCases {
		b.Run(tc.name, func(b *testing.B) {
			var f Figure
			for range b.N {
				var err error
				if f, err = RAM(b.Context(), tc.spec, nil, sram411, 64<<10, 4_000_000); err != nil {
					b.Fatal(err)
				}
			}
			ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
			b.ReportMetric(ms(f.Write), "write-ms")
			b.ReportMetric(ms(f.Read), "read-ms")
			b.ReportMetric(ms(f.Ceiling), "ceiling-ms")
			b.ReportMetric(100*f.WriteShare(), "write-%ceiling")
			b.ReportMetric(100*f.ReadShare(), "read-%ceiling")
		})
	}
}
