package cmsisdap

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/link"
)

// lateLink answers each write with a reply that becomes readable only
// after a delay the test controls: the first reply is late.
type lateLink struct {
	pending [][]byte
	late    bool
}

func (l *lateLink) Write(ctx context.Context, p []byte) (int, error) {
	l.pending = append(l.pending, append([]byte{p[0]}, 0x00, byte(len(l.pending))))
	return len(p), nil
}

func (l *lateLink) Read(ctx context.Context, p []byte) (int, error) {
	if l.late {
		l.late = false
		return 0, link.ErrTimeout // this read gives up; the reply stays queued
	}
	if len(l.pending) == 0 {
		<-ctx.Done()
		return 0, link.ErrTimeout
	}
	r := l.pending[0]
	l.pending = l.pending[1:]
	return copy(p, r), nil
}

func (l *lateLink) Close() error { return nil }

// A reply that arrives after its read timed out must not be taken as the
// reply to the next command.
func TestLateReplyIsDrainedNotMistaken(t *testing.T) {
	l := &lateLink{late: true}
	tr := newTransport(l, false)
	ctx := context.Background()
	if _, err := tr.exchange(ctx, []byte{0x04, 0, 0, 0, 0, 0}); !errors.Is(err, link.ErrTimeout) {
		t.Fatalf("first exchange: %v", err)
	}
	start := time.Now()
	resp, err := tr.exchange(ctx, []byte{0x11, 0, 0, 0, 0})
	if err != nil || resp[0] != 0x11 || len(l.pending) != 0 {
		t.Fatalf("second exchange got %x, %v; want the reply to command 0x11", resp, err)
	}
	if time.Since(start) > time.Second {
		t.Error("draining took too long")
	}
	// A reply echoing another command is refused, not used.
	l.pending = append(l.pending, []byte{0x05, 0, 0})
	tr.owed = nil
	if _, err := tr.recv(ctx, 0x06); !errors.Is(err, ErrBadReply) {
		t.Errorf("foreign reply: %v", err)
	}
}

// hungLink takes every write and never answers: each read waits for its
// context and reports the context's error, as a gousb transfer cancelled
// on context expiry does (no link.ErrTimeout in it).
type hungLink struct{}

func (hungLink) Write(ctx context.Context, p []byte) (int, error) { return len(p), nil }
func (hungLink) Read(ctx context.Context, p []byte) (int, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}
func (hungLink) Close() error { return nil }

// The per-command deadline, not the caller's, ends a read from a hung
// probe, and whatever the Link said, the error is link.ErrTimeout (a
// station fault); the caller's own cancellation stays a cancellation.
func TestCommandDeadlineIsTimeout(t *testing.T) {
	tr := newTransport(hungLink{}, false)
	tr.cmdTimeout = 20 * time.Millisecond
	_, err := tr.exchange(t.Context(), []byte{0x00, 0xFF})
	if !errors.Is(err, link.ErrTimeout) {
		t.Fatalf("hung probe: %v, want link.ErrTimeout", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	tr = newTransport(hungLink{}, false)
	_, err = tr.exchange(ctx, []byte{0x00, 0xFF})
	if errors.Is(err, link.ErrTimeout) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v, want context.Canceled and no timeout", err)
	}
}
