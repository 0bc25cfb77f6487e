package central

import (
	"log/slog"
	"testing"
	"time"
)

// BenchmarkForward: attempts per second from a station's store into
// PostgreSQL (three steps with log lines each, batches of 200), on the
// throwaway cluster (fsync off: the network and the statements, not the
// disk, are measured).
func BenchmarkForward(b *testing.B) {
	cfg := testConfig(b, "bench")
	c := newClient(b, cfg)
	store := openStore(b)
	recordN(b, store, b.N, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	f, err := NewForwarder(c, store, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.Pool(testCtx(b)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	if n := drain(b, f); n != b.N {
		b.Fatalf("forwarded %d of %d", n, b.N)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "attempts/s")
}
