package arm

import (
	"context"
	"fmt"
	"time"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/link"
)

// RAMResult is one RAM write-then-read measurement.
type RAMResult struct {
	Bytes       int
	Write, Read time.Duration
	// Modeled is true when the durations are the probe's modeled time
	// (link.Clocked, the simulator), false for wall time.
	Modeled bool
}

// WriteKiBps and ReadKiBps are throughputs in KiB per second.
func (r RAMResult) WriteKiBps() float64 { return kibps(r.Bytes, r.Write) }
func (r RAMResult) ReadKiBps() float64  { return kibps(r.Bytes, r.Read) }

func kibps(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / 1024 / d.Seconds()
}

// RAMThroughput writes size bytes (a multiple of 4) of a pattern at addr
// through mem, reads them back, checks them, and times each direction:
// with l's modeled clock when l is a link.Clocked, by wall clock
// otherwise. Benchmarks of any probe kind share it.
func RAMThroughput(ctx context.Context, l link.Link, mem drivers.MemoryAccess, addr uint32, size int) (RAMResult, error) {
	if size <= 0 || size%4 != 0 {
		return RAMResult{}, fmt.Errorf("arm: RAM throughput size %d is not a positive multiple of 4", size)
	}
	clock, modeled := wallClock(), false
	if c, ok := l.(link.Clocked); ok {
		clock, modeled = c.ModeledTime, true
	}
	src := make([]uint32, size/4)
	for i := range src {
		src[i] = uint32(i)*0x9E3779B9 ^ addr
	}
	r := RAMResult{Bytes: size, Modeled: modeled}
	t0 := clock()
	if err := mem.WriteMemory32(ctx, addr, src); err != nil {
		return r, err
	}
	t1 := clock()
	dst := make([]uint32, len(src))
	if err := mem.ReadMemory32(ctx, addr, dst); err != nil {
		return r, err
	}
	t2 := clock()
	r.Write, r.Read = t1-t0, t2-t1
	for i := range src {
		if dst[i] != src[i] {
			return r, fmt.Errorf("arm: RAM throughput: word at 0x%08x read back 0x%08x, wrote 0x%08x", addr+uint32(4*i), dst[i], src[i])
		}
	}
	return r, nil
}

func wallClock() func() time.Duration {
	start := time.Now()
	return func() time.Duration { return time.Since(start) }
}
