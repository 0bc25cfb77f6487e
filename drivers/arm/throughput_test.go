package arm

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/link"
)

// tickLink is a Link that only keeps a clock, advanced by each reading.
type tickLink struct{ t time.Duration }

func (l *tickLink) Write(context.Context, []byte) (int, error) { return 0, link.ErrClosed }
func (l *tickLink) Read(context.Context, []byte) (int, error)  { return 0, link.ErrClosed }
func (l *tickLink) Close() error                               { return nil }
func (l *tickLink) ModeledTime() time.Duration                 { l.t += 100 * time.Millisecond; return l.t }

func TestRAMThroughput(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	m, _ := NewMemAP(f, 0, MemAPOptions{})
	r, err := RAMThroughput(ctx, &tickLink{}, m, 0x20000000, 4096)
	if err != nil || !r.Modeled || r.Write != 100*time.Millisecond || r.WriteKiBps() != 40 || r.ReadKiBps() != 40 {
		t.Fatalf("RAMThroughput = %+v (%.1f KiB/s), %v", r, r.WriteKiBps(), err)
	}
	// A memory that drops writes is caught by the read-back check.
	f.faultAt = 0
	f.onRead[0x20000000] = func() { f.store32(0x20000000, 0xDEAD) }
	if _, err := RAMThroughput(ctx, &tickLink{}, m, 0x20000000, 64); err == nil || !strings.Contains(err.Error(), "read back 0x0000dead") {
		t.Fatalf("corrupt read-back: %v", err)
	}
	if _, err := RAMThroughput(ctx, &tickLink{}, m, 0x20000000, 6); err == nil {
		t.Fatal("size 6 accepted")
	}
}
