package stlinkbench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/stlink"
)

// cyclesPerWord is one SWD read or write with no idle cycles.
const cyclesPerWord = 46

// OpenLink returns a fresh Link to one ST-Link; the probe driver closes it.
type OpenLink func(ctx context.Context) (link.Link, error)

// Result of one RAM round: write Bytes, then read them back.
type Result struct {
	Bytes    int
	ClockKHz uint32        // SWD clock the probe settled on
	Modeled  bool          // durations are the probe's modeled time, not wall time
	Write    time.Duration // time for the write
	Read     time.Duration // time for the read-back
	Ceiling  time.Duration // SWD wire time for Bytes at ClockKHz, each way
}

// WriteShare is the ceiling as a fraction of the write time (1 = wire speed).
func (r Result) WriteShare() float64 { return share(r.Ceiling, r.Write) }

// ReadShare is the ceiling as a fraction of the read time.
func (r Result) ReadShare() float64 { return share(r.Ceiling, r.Read) }

func share(ceiling, took time.Duration) float64 {
	if took <= 0 {
		return 0
	}
	return float64(ceiling) / float64(took)
}

// Ceiling is the SWD wire time for n bytes of 32-bit accesses at khz.
func Ceiling(n int, khz uint32) time.Duration {
	if khz == 0 {
		return 0
	}
	words := int64((n + 3) / 4)
	return time.Duration(words * cyclesPerWord * int64(time.Second) / (int64(khz) * 1000))
}

// RAM opens the probe, connects at clockHz, writes size bytes of a pattern
// at addr with 32-bit accesses, reads them back and checks them. Only the
// write and the read are timed, not opening and connecting.
func RAM(ctx context.Context, open OpenLink, info stlink.OpenInfo, addr uint32, size int, clockHz uint32) (Result, error) {
	if size <= 0 || size%4 != 0 {
		return Result{}, fmt.Errorf("stlinkbench: size %d bytes: want a positive multiple of 4", size)
	}
	l, err := open(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("stlinkbench: opening the link: %w", err)
	}
	clock, modeled := l.(link.Clocked)
	now := func() time.Duration {
		if modeled {
			return clock.ModeledTime()
		}
		return time.Duration(time.Now().UnixNano())
	}
	p, err := stlink.Open(ctx, l, info)
	if err != nil {
		return Result{}, err
	}
	defer p.Close()
	if _, err := p.Connect(ctx, drivers.ConnectOptions{ClockHz: clockHz}); err != nil {
		return Result{}, err
	}
	src := pattern(size / 4)
	t0 := now()
	if err := p.WriteMemory32(ctx, addr, src); err != nil {
		return Result{}, err
	}
	t1 := now()
	dst := make([]uint32, len(src))
	if err := p.ReadMemory32(ctx, addr, dst); err != nil {
		return Result{}, err
	}
	t2 := now()
	if i := firstDiff(src, dst); i >= 0 {
		return Result{}, fmt.Errorf("stlinkbench: read back 0x%08x at 0x%08x, wrote 0x%08x", dst[i], addr+uint32(4*i), src[i])
	}
	khz := p.ClockKHz()
	return Result{Bytes: size, ClockKHz: khz, Modeled: modeled,
		Write: t1 - t0, Read: t2 - t1, Ceiling: Ceiling(size, khz)}, nil
}

// Bench runs RAM b.N times and reports modeled (or wall) milliseconds per
// write and read and each as a percentage of the wire ceiling.
func Bench(b *testing.B, open OpenLink, info stlink.OpenInfo, addr uint32, size int, clockHz uint32) {
	b.Helper()
	var w, r, ceil time.Duration
	for range b.N {
		res, err := RAM(b.Context(), open, info, addr, size, clockHz)
		if err != nil {
			b.Fatal(err)
		}
		w, r, ceil = w+res.Write, r+res.Read, ceil+res.Ceiling
	}
	n := float64(b.N)
	b.ReportMetric(float64(w)/float64(time.Millisecond)/n, "write-ms")
	b.ReportMetric(float64(r)/float64(time.Millisecond)/n, "read-ms")
	b.ReportMetric(100*share(ceil, w), "write-%ceiling")
	b.ReportMetric(100*share(ceil, r), "read-%ceiling")
	b.SetBytes(int64(size))
}

func pattern(n int) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = uint32(i)*0x9E3779B9 ^ 0xA5A5A5A5
	}
	return out
}

func firstDiff(a, b []uint32) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}
