package link

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// echoLink answers each Write with the same bytes prefixed by 0xAA, and
// fails reads with failRead when set.
type echoLink struct {
	pending  [][]byte
	failRead error
	closed   bool
	modeled  time.Duration
}

var _ Link = (*echoLink)(nil)

func (l *echoLink) Write(_ context.Context, p []byte) (int, error) {
	l.pending = append(l.pending, append([]byte{0xAA}, p...))
	l.modeled += time.Millisecond
	return len(p), nil
}

func (l *echoLink) Read(_ context.Context, p []byte) (int, error) {
	if l.failRead != nil {
		return 0, fmt.Errorf("echo: %w", l.failRead)
	}
	if len(l.pending) == 0 {
		return 0, ErrTimeout
	}
	n := copy(p, l.pending[0])
	l.pending = l.pending[1:]
	return n, nil
}

func (l *echoLink) Close() error { l.closed = true; return nil }

func (l *echoLink) ModeledTime() time.Duration { return l.modeled }

func TestRecorderRoundTrip(t *testing.T) {
	ctx := context.Background()
	inner := &echoLink{}
	rec := NewRecorder(inner)
	rec.Note("first packet")
	pad := make([]byte, 64)
	pad[0], pad[1] = 0x00, 0xF0
	writes := [][]byte{{0x00, 0xF0}, pad, {0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}}
	buf := make([]byte, 128)
	for _, w := range writes {
		if _, err := rec.Write(ctx, w); err != nil {
			t.Fatal(err)
		}
		if _, err := rec.Read(ctx, buf); err != nil {
			t.Fatal(err)
		}
	}
	inner.failRead = ErrDisconnected
	if _, err := rec.Read(ctx, buf); !errors.Is(err, ErrDisconnected) {
		t.Fatalf("read error = %v, want disconnected", err)
	}
	if got := rec.ModeledTime(); got != 3*time.Millisecond {
		t.Errorf("ModeledTime = %v, want 3ms", got)
	}

	var text bytes.Buffer
	if err := rec.Save(&text, "header line"); err != nil {
		t.Fatal(err)
	}
	want := "# header line\n# first packet\n> 00 f0\n< aa 00 f0\n> 00 f0 ..64\n< aa 00 f0 ..65\n" +
		"> 05 00 00 00 00 00 00 00\n< aa 05 00 00 00 00 00 00 00\n< disconnected\n"
	if text.String() != want {
		t.Fatalf("saved file:\n%s\nwant:\n%s", text.String(), want)
	}

	ex, err := ParseExchanges(&text, "saved")
	if err != nil {
		t.Fatal(err)
	}
	if !sameExchanges(ex, rec.Exchanges()) {
		t.Fatalf("parsed %+v\nrecorded %+v", ex, rec.Exchanges())
	}
	if err := rec.Close(); err != nil || !inner.closed {
		t.Errorf("Close: err %v, inner closed %v", err, inner.closed)
	}
}

func TestRecorderSaveFileLoadPlayback(t *testing.T) {
	ctx := context.Background()
	rec := NewRecorder(&echoLink{})
	if _, err := rec.Write(ctx, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	if _, err := rec.Read(ctx, buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "x.txt")
	if err := rec.SaveFile(path, ""); err != nil {
		t.Fatal(err)
	}
	pb, err := LoadPlayback(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pb.Write(ctx, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	n, err := pb.Read(ctx, buf)
	if err != nil || !bytes.Equal(buf[:n], []byte{0xAA, 1, 2, 3}) {
		t.Fatalf("Read = % x, %v", buf[:n], err)
	}
	if err := pb.Done(); err != nil {
		t.Fatal(err)
	}
}

func sameExchanges(a, b []Exchange) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Dir != b[i].Dir || !bytes.Equal(a[i].Data, b[i].Data) || !errors.Is(a[i].Err, b[i].Err) {
			return false
		}
	}
	return true
}
