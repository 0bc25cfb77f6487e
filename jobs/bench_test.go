package jobs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkRecordAttempt records a realistic attempt (Begin + Finish, each
// synced to disk) from 16 goroutines at once, back to back, and reports
// the median and 99th-percentile latency of one whole attempt.
func BenchmarkRecordAttempt(b *testing.B) { benchRecording(b, 0) }

// BenchmarkRecordAttemptPaced is the station's shape: 16 workers, each
// recording start, flashing (a 20 ms stand-in; real flashing takes
// seconds), recording the end, so writes arrive together but not back to
// back. Reports Begin+Finish latency, the flashing left out.
func BenchmarkRecordAttemptPaced(b *testing.B) { benchRecording(b, 20*time.Millisecond) }

func benchRecording(b *testing.B, flashing time.Duration) {
	s := newStore(b)
	ctx := context.Background()
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism((16 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		// Built once: a station fills an attempt in over seconds of
		// flashing, so building one is not part of recording it.
		tmpl := realisticAttempt(1, "1f2e3d4c5b6a7988")
		for pb.Next() {
			a := new(Attempt)
			*a = *tmpl
			a.Steps = nil
			t0 := time.Now()
			if err := s.Begin(ctx, a); err != nil {
				b.Error(err)
				return
			}
			took := time.Since(t0)
			if flashing > 0 {
				time.Sleep(flashing)
			}
			a.Steps, a.Result = tmpl.Steps, Pass
			t1 := time.Now()
			if err := s.Finish(ctx, a); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, took+time.Since(t1))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-median")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "ms-p99")
	}
}

// BenchmarkBytesPerAttempt writes realistic 8-step, 20-log-line attempts
// and reports the file size per attempt.
func BenchmarkBytesPerAttempt(b *testing.B) {
	path := filepath.Join(b.TempDir(), "a.db")
	s := openTest(b, path, Options{NoSync: true})
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		a := realisticAttempt(i, fmt.Sprintf("%024x", i))
		steps := a.Steps
		a.Steps = nil
		if err := s.Begin(ctx, a); err != nil {
			b.Fatal(err)
		}
		a.Steps, a.Result = steps, Pass
		if err := s.Finish(ctx, a); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	enc, _ := encodeAttempt(realisticAttempt(1, fmt.Sprintf("%024x", 1)))
	s.Close()
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Size())/float64(b.N), "file-bytes/attempt")
	b.ReportMetric(float64(len(enc)), "value-bytes/attempt")
}

const bigN = 1_000_000

var (
	bigOnce sync.Once
	bigPath string
	bigErr  error
	bigUID  = "1f2e3d4c5b6a798811223344"
)

// bigStore builds, once per test binary run, a file of 1,000,000 realistic
// attempts in large transactions; the unit bigUID has 5 of them, spread
// through the file. TestMain removes it.
func bigStore(b *testing.B) string {
	bigOnce.Do(func() {
		dir, err := os.MkdirTemp("", "jobs-bench-*")
		if err != nil {
			bigErr = err
			return
		}
		benchDirs = append(benchDirs, dir)
		bigPath = filepath.Join(dir, "big.db")
		start := time.Now()
		bigErr = buildBig(bigPath)
		b.Logf("built %d attempts in %v", bigN, time.Since(start).Round(time.Second))
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return bigPath
}

func buildBig(path string) error {
	db, err := bolt.Open(path, 0o644, &bolt.Options{NoSync: true, NoFreelistSync: true})
	if err != nil {
		return err
	}
	defer db.Close()
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const perTx = 20_000
	proto := realisticAttempt(0, "")
	for lo := 0; lo < bigN; lo += perTx {
		err := db.Update(func(tx *bolt.Tx) error {
			if err := createBuckets(tx); err != nil {
				return err
			}
			for i := lo; i < lo+perTx && i < bigN; i++ {
				a := *proto
				a.Started = base.Add(time.Duration(i) * 30 * time.Second)
				a.ID = ID(a.Started.UnixNano())
				a.Result = Pass
				a.Ended = a.Started.Add(3 * time.Second)
				a.UnitUID = fmt.Sprintf("%024x", i)
				if i%(bigN/5) == 7 {
					a.UnitUID = bigUID
				}
				v, err := encodeAttempt(&a)
				if err != nil {
					return err
				}
				if err := putEncoded(tx, a.ID, "", a.UnitUID, v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkUnitsShow1M is `units show` against 1,000,000 attempts: open
// read-only, every attempt of one unit, close.
func BenchmarkUnitsShow1M(b *testing.B) {
	path := bigStore(b)
	ctx := context.Background()
	b.Run("open+query+close", func(b *testing.B) {
		for b.Loop() {
			s, err := Open(path, Options{ReadOnly: true, Logger: quiet})
			if err != nil {
				b.Fatal(err)
			}
			got, err := s.ByUnit(ctx, bigUID)
			if err != nil || len(got) != 5 {
				b.Fatalf("ByUnit = %d, %v", len(got), err)
			}
			s.Close()
		}
	})
	b.Run("query", func(b *testing.B) {
		s := openTest(b, path, Options{ReadOnly: true})
		for b.Loop() {
			if got, err := s.ByUnit(ctx, bigUID); err != nil || len(got) != 5 {
				b.Fatalf("ByUnit = %d, %v", len(got), err)
			}
		}
	})
	st, _ := os.Stat(path)
	b.ReportMetric(float64(st.Size())/bigN, "file-bytes/attempt")
}
