package link

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Dir is the direction of one exchange, as seen from the host.
type Dir byte

const (
	// Out is a packet the host wrote to the probe ("> " in exchange files).
	Out Dir = '>'
	// In is a packet the host read from the probe ("< " in exchange files).
	In Dir = '<'
)

func (d Dir) String() string {
	if d == Out {
		return "write"
	}
	return "read"
}

// Exchange is one packet on a Link: what was written, or what was read.
// When Err is set the transfer failed with it (one of ErrTimeout,
// ErrDisconnected, ErrClosed) and Data is empty.
type Exchange struct {
	Dir  Dir
	Data []byte
	Err  error
	// Note is a free comment saved on the line before the packet.
	Note string
	// Line is the 1-based line of the exchange file it came from (0 when
	// it was recorded rather than loaded); error messages cite it.
	Line int
}

// Error words used in exchange files for failed transfers.
var errWords = []struct {
	word string
	err  error
}{
	{"timeout", ErrTimeout},
	{"disconnected", ErrDisconnected},
	{"closed", ErrClosed},
}

// Recorder wraps a Link and captures every exchange, byte for byte,
// including HID padding: what was handed to Write is what is recorded.
// Closing the Recorder closes the wrapped Link.
type Recorder struct {
	l  Link
	mu sync.Mutex
	ex []Exchange
	// note is attached to the next recorded exchange.
	note string
}

var _ Link = (*Recorder)(nil)

// NewRecorder returns a Recorder over l.
func NewRecorder(l Link) *Recorder { return &Recorder{l: l} }

// Write forwards p and records it (and any failure).
func (r *Recorder) Write(ctx context.Context, p []byte) (int, error) {
	n, err := r.l.Write(ctx, p)
	r.add(Out, p, err)
	return n, err
}

// Read forwards to the wrapped Link and records the bytes received.
func (r *Recorder) Read(ctx context.Context, p []byte) (int, error) {
	n, err := r.l.Read(ctx, p)
	if n < 0 {
		n = 0
	}
	r.add(In, p[:n], err)
	return n, err
}

// Close closes the wrapped Link.
func (r *Recorder) Close() error { return r.l.Close() }

// ModeledTime passes the wrapped Link's modeled clock through, so
// benchmarks over a recorded simulator still report modeled seconds.
// It returns 0 when the wrapped Link keeps no modeled time.
func (r *Recorder) ModeledTime() time.Duration {
	if c, ok := r.l.(Clocked); ok {
		return c.ModeledTime()
	}
	return 0
}

// Note attaches a comment to the next recorded exchange (e.g. "connect").
func (r *Recorder) Note(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.note != "" {
		s = r.note + "; " + s
	}
	r.note = s
}

func (r *Recorder) add(d Dir, p []byte, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := Exchange{Dir: d, Note: r.note}
	r.note = ""
	if err != nil {
		e.Err = canonicalErr(err)
	} else {
		e.Data = append([]byte(nil), p...)
	}
	r.ex = append(r.ex, e)
}

// canonicalErr maps a transfer error to the Link error it wraps, so it can
// be saved as a word; any other failure is saved as a timeout, the closest
// thing a replay can reproduce.
func canonicalErr(err error) error {
	for _, w := range errWords {
		if errors.Is(err, w.err) {
			return w.err
		}
	}
	return ErrTimeout
}

// Exchanges returns a copy of everything recorded so far.
func (r *Recorder) Exchanges() []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Exchange(nil), r.ex...)
}

// Save writes the recording as an exchange file (see FormatExchanges).
func (r *Recorder) Save(w io.Writer, header string) error {
	return FormatExchanges(w, header, r.Exchanges())
}

// SaveFile writes the recording to path.
func (r *Recorder) SaveFile(path, header string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("link: save recording: %w", err)
	}
	if err := r.Save(f, header); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("link: save recording %s: %w", path, err)
	}
	return nil
}

// minPadRun is the shortest trailing zero run written as "..N": shorter
// runs read better spelled out.
const minPadRun = 8

// FormatExchanges writes exchanges as text, one packet per line:
//
//	# header and notes as comments
//	> 00 f0
//	< 00 01 13
//	> 05 00 01 02 ..64
//	< timeout
//
// "..N" at the end of a line stands for zero bytes padding the packet to a
// total of N bytes (HID reports), so padding stays exact yet readable.
func FormatExchanges(w io.Writer, header string, ex []Exchange) error {
	bw := bufio.NewWriter(w)
	for _, h := range splitLines(header) {
		fmt.Fprintf(bw, "# %s\n", h)
	}
	for _, e := range ex {
		for _, h := range splitLines(e.Note) {
			fmt.Fprintf(bw, "# %s\n", h)
		}
		bw.WriteByte(byte(e.Dir))
		if e.Err != nil {
			bw.WriteString(" " + errWord(e.Err) + "\n")
			continue
		}
		data := e.Data
		end := len(data)
		for end > 0 && data[end-1] == 0 {
			end--
		}
		if len(data)-end < minPadRun {
			end = len(data)
		}
		for _, b := range data[:end] {
			fmt.Fprintf(bw, " %02x", b)
		}
		if end < len(data) {
			fmt.Fprintf(bw, " ..%d", len(data))
		}
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("link: write exchanges: %w", err)
	}
	return nil
}

func errWord(err error) string {
	for _, w := range errWords {
		if errors.Is(err, w.err) {
			return w.word
		}
	}
	return "timeout"
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimRight(s, "\n"), "\n")
}
