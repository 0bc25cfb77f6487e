package station

import (
	"context"
	"errors"
	"flag"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/flashstation/flashstation/jobs"
)

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkStationOverhead runs cycles on 48 simulated probes whose
// sessions answer instantly, so all CPU is the station's: scheduling,
// attempt records (bbolt, synced), metrics and events. Target ≤ 2 ms CPU
// per attempt.
func BenchmarkStationOverhead(b *testing.B) {
	r := newRig(b, rigOpts{spec: "48*cmsis-dap-v2:stm32f103c8"})
	ch, cancel := r.st.Events() // a listener, as the operator page is
	defer cancel()
	go func() {
		for range ch {
		}
	}()
	b.ResetTimer()
	start := cpuTime()
	for range b.N {
		r.cycle(b)
	}
	cpu := cpuTime() - start
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N*48), "cpu-ms/attempt")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkRealtimeCycle: 48 probes each taking T of (paced) time; the
// cycle must end within 1.05·T.
func BenchmarkRealtimeCycle(b *testing.B) {
	T := *benchT
	r := newRig(b, rigOpts{spec: "48*cmsis-dap-v2:stm32f103c8", noSync: *benchNoSync})
	for _, p := range r.fx.Bus.Probes() {
		r.setBehave(p.Serial(), func(ctx context.Context, op string) error {
			if op == "program" {
				select {
				case <-time.After(T):
				case <-ctx.Done():
				}
			}
			return nil
		})
	}
	b.ResetTimer()
	var worst, total time.Duration
	for range b.N {
		start := time.Now()
		r.cycle(b)
		d := time.Since(start)
		worst, total = max(worst, d), total+d
	}
	b.ReportMetric(worst.Seconds()/T.Seconds(), "worst-cycle/T")
	b.ReportMetric(total.Seconds()/float64(b.N)/T.Seconds(), "mean-cycle/T")
	b.ReportMetric(0, "ns/op")
}

var benchNoSync = flag.Bool("nosync", false, "benchmarks: store without fsync")

// benchT is how long each simulated attempt programs in the realtime
// cycle benchmark (-cycle-t 500ms for short attempts).
var benchT = flag.Duration("cycle-t", 2*time.Second, "benchmarks: modeled attempt length T")

var soak = flag.Bool("soak", false, "run the 2,000-cycle soak (minutes)")

// TestSoak: 2,000 cycles × 16 probes, 1% of attempts failing in one of
// several ways. Every attempt is recorded exactly once, metric counts equal
// store counts, and goroutines and heap do not grow.
func TestSoak(t *testing.T) {
	if !*soak {
		t.Skip("soak runs with -soak")
	}
	cycles := 2000
	r := newRig(t, rigOpts{spec: "16*cmsis-dap-v2:stm32f103c8", noSync: true})
	for _, p := range r.fx.Bus.Probes() {
		n := 0
		r.setBehave(p.Serial(), func(ctx context.Context, op string) error {
			if op != "verify" {
				return nil
			}
			n++ // the closure is per probe and a probe runs one attempt at a time
			if n%100 == 37 {
				return errors.New("verify failed at 0x08000010")
			}
			return nil
		})
	}
	var g0 int
	var h0 uint64
	for i := range cycles {
		r.cycle(t)
		if i == 100 {
			runtime.GC()
			g0 = runtime.NumGoroutine()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			h0 = ms.HeapAlloc
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	list := allAttempts(t, r)
	if len(list) != cycles*16 {
		t.Errorf("%d attempts recorded, want %d", len(list), cycles*16)
	}
	byResult := map[jobs.Result]float64{}
	for _, a := range list {
		byResult[a.Result]++
	}
	var metric float64
	for res, want := range byResult {
		got := 0.0
		for i := range 16 {
			got += testutil.ToFloat64(r.st.m.attempts.WithLabelValues(string(res), "bluepill", slotName(i)))
		}
		metric += got
		if got != want {
			t.Errorf("%s: metric %v, store %v", res, got, want)
		}
	}
	t.Logf("attempts %d (%v); goroutines %d -> %d; heap %d -> %d KiB", len(list), byResult, g0, runtime.NumGoroutine(), h0>>10, ms.HeapAlloc>>10)
	if g := runtime.NumGoroutine(); g > g0+5 {
		t.Errorf("goroutines grew %d -> %d", g0, g)
	}
	if ms.HeapAlloc > 2*h0+8<<20 {
		t.Errorf("heap grew %d -> %d", h0, ms.HeapAlloc)
	}
}

func slotName(i int) string { return "S" + string(rune('0'+(i+1)/10)) + string(rune('0'+(i+1)%10)) }
