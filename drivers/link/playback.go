package link

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
)

// ErrMismatch is wrapped by every Playback error that reports the driver
// straying from the recording.
var ErrMismatch = errors.New("exchange does not match the recording")

// maxPacket bounds one packet in an exchange file; USB high-speed bulk
// transfers of a probe stay far below it, and it keeps a fuzzed "..N" from
// allocating without bound.
const maxPacket = 1 << 16

// ParseExchanges reads an exchange file (the format FormatExchanges
// writes). Blank lines and lines starting with '#' are skipped; a '#'
// after the data starts a trailing comment. name is used in errors.
func ParseExchanges(r io.Reader, name string) ([]Exchange, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	var ex []Exchange
	var note []string
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if c, ok := strings.CutPrefix(text, "#"); ok {
			note = append(note, strings.TrimSpace(c))
			continue
		}
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = strings.TrimSpace(text[:i])
		}
		if text == "" {
			continue
		}
		e, err := parseExchange(text)
		if err != nil {
			return nil, fmt.Errorf("link: %s:%d: %w", name, line, err)
		}
		e.Line = line
		e.Note = strings.Join(note, "\n")
		note = nil
		ex = append(ex, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("link: read %s: %w", name, err)
	}
	return ex, nil
}

func parseExchange(text string) (Exchange, error) {
	var e Exchange
	switch text[0] {
	case byte(Out), byte(In):
		e.Dir = Dir(text[0])
	default:
		return e, fmt.Errorf("line must start with '>' (write), '<' (read) or '#', not %q", text[0])
	}
	fields := strings.Fields(text[1:])
	if len(fields) == 1 {
		for _, w := range errWords {
			if fields[0] == w.word {
				e.Err = w.err
				return e, nil
			}
		}
	}
	data := []byte{}
	for i, f := range fields {
		if n, ok := strings.CutPrefix(f, ".."); ok {
			if i != len(fields)-1 {
				return e, fmt.Errorf("padding %q must be the last field", f)
			}
			total, err := strconv.Atoi(n)
			if err != nil || total < len(data) || total > maxPacket {
				return e, fmt.Errorf("padding %q: want ..N with %d <= N <= %d", f, len(data), maxPacket)
			}
			data = append(data, make([]byte, total-len(data))...)
			break
		}
		if len(f)%2 != 0 {
			return e, fmt.Errorf("byte field %d %q: odd number of hex digits", i+1, f)
		}
		for j := 0; j < len(f); j += 2 {
			b, err := strconv.ParseUint(f[j:j+2], 16, 8)
			if err != nil {
				return e, fmt.Errorf("byte field %d %q: not hex", i+1, f)
			}
			data = append(data, byte(b))
		}
		if len(data) > maxPacket {
			return e, fmt.Errorf("packet longer than %d bytes", maxPacket)
		}
	}
	if len(data) == 0 {
		return e, fmt.Errorf("empty packet: give hex bytes or one of timeout, disconnected, closed")
	}
	e.Data = data
	return e, nil
}

// Playback is a Link that replays a recording: each Write must carry
// exactly the bytes recorded, each Read is answered from the recording.
// Any other call fails with an error wrapping ErrMismatch that names the
// exchange and byte offset; Done reports exchanges never reached.
type Playback struct {
	name string
	mu   sync.Mutex
	ex   []Exchange
	next int
	// failed keeps the first mismatch: once the driver has strayed, every
	// later call fails the same way so the first cause is not lost.
	failed error
	closed bool
}

var _ Link = (*Playback)(nil)

// NewPlayback replays ex; name labels errors (a file name, a test name).
func NewPlayback(name string, ex []Exchange) *Playback {
	return &Playback{name: name, ex: ex}
}

// LoadPlayback parses the exchange file at path and replays it.
func LoadPlayback(path string) (*Playback, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("link: load recording: %w", err)
	}
	ex, err := ParseExchanges(bytes.NewReader(b), path)
	if err != nil {
		return nil, err
	}
	return NewPlayback(path, ex), nil
}

func (pb *Playback) where(i int) string {
	if i < len(pb.ex) && pb.ex[i].Line > 0 {
		return fmt.Sprintf("%s exchange %d (line %d)", pb.name, i, pb.ex[i].Line)
	}
	return fmt.Sprintf("%s exchange %d", pb.name, i)
}

// take returns the next exchange, checking it goes in direction d.
func (pb *Playback) take(ctx context.Context, d Dir) (int, Exchange, error) {
	if pb.failed != nil {
		return 0, Exchange{}, pb.failed
	}
	if pb.closed {
		return 0, Exchange{}, fmt.Errorf("link: playback %s: %w", pb.name, ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return 0, Exchange{}, fmt.Errorf("link: playback %s: %w", pb.name, err)
	}
	i := pb.next
	if i >= len(pb.ex) {
		return i, Exchange{}, pb.fail(fmt.Errorf("link: %s: driver did a %s after the last of %d exchanges: %w", pb.where(i), d, len(pb.ex), ErrMismatch))
	}
	e := pb.ex[i]
	if e.Dir != d {
		return i, e, pb.fail(fmt.Errorf("link: %s: driver did a %s, recording has a %s: %w", pb.where(i), d, e.Dir, ErrMismatch))
	}
	pb.next++
	return i, e, nil
}

func (pb *Playback) fail(err error) error {
	pb.failed = err
	return err
}

// Write checks p against the next recorded write.
func (pb *Playback) Write(ctx context.Context, p []byte) (int, error) {
	pb.mu.Lock()
	defer pb.mu.Unlock()
	i, e, err := pb.take(ctx, Out)
	if err != nil {
		return 0, err
	}
	if e.Err != nil {
		return 0, fmt.Errorf("link: playback %s: %w", pb.where(i), e.Err)
	}
	if off := firstDiff(e.Data, p); off >= 0 {
		return 0, pb.fail(fmt.Errorf("link: %s: write differs at byte %d: want %s, got %s: %w",
			pb.where(i), off, hexAround(e.Data, off), hexAround(p, off), ErrMismatch))
	}
	return len(p), nil
}

// Read answers with the next recorded read.
func (pb *Playback) Read(ctx context.Context, p []byte) (int, error) {
	pb.mu.Lock()
	defer pb.mu.Unlock()
	i, e, err := pb.take(ctx, In)
	if err != nil {
		return 0, err
	}
	if e.Err != nil {
		return 0, fmt.Errorf("link: playback %s: %w", pb.where(i), e.Err)
	}
	if len(p) < len(e.Data) {
		return 0, pb.fail(fmt.Errorf("link: %s: read buffer of %d bytes, recorded packet has %d: %w",
			pb.where(i), len(p), len(e.Data), ErrMismatch))
	}
	return copy(p, e.Data), nil
}

// Close marks the playback closed; later transfers fail with ErrClosed.
func (pb *Playback) Close() error {
	pb.mu.Lock()
	defer pb.mu.Unlock()
	pb.closed = true
	return nil
}

// Done reports the first mismatch seen, or the exchanges never reached.
func (pb *Playback) Done() error {
	pb.mu.Lock()
	defer pb.mu.Unlock()
	if pb.failed != nil {
		return pb.failed
	}
	if left := len(pb.ex) - pb.next; left > 0 {
		return fmt.Errorf("link: %s: %d of %d exchanges left over, next a %s: %w",
			pb.where(pb.next), left, len(pb.ex), pb.ex[pb.next].Dir, ErrMismatch)
	}
	return nil
}

// firstDiff returns the first offset where a and b differ (a length
// difference counts at the shorter length), or -1 when equal.
func firstDiff(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return n
	}
	return -1
}

// hexAround shows up to 8 bytes from off, with the length, so a diff is
// readable without dumping whole 512-byte packets.
func hexAround(p []byte, off int) string {
	if off >= len(p) {
		return fmt.Sprintf("end of packet (%d bytes)", len(p))
	}
	end := min(off+8, len(p))
	var sb strings.Builder
	for i, b := range p[off:end] {
		if i > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "%02x", b)
	}
	if end < len(p) {
		sb.WriteString(" …")
	}
	fmt.Fprintf(&sb, " (%d bytes)", len(p))
	return sb.String()
}
