package bitbang

import (
	"io"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/dap/jtag"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// Target is what the server drives: a JTAG chain and the chip's nRESET.
type Target struct {
	JTAG hw.JTAG
	// SetReset drives nRESET from the protocol's SRST (true = asserted);
	// nil when the board has no reset line wired.
	SetReset func(asserted bool)
	// Idle, when non-nil, is told how long the server waited for the client
	// (wall time). The chip keeps running while the host thinks or sleeps:
	// OpenOCD polls a busy flash with a 1 ms sleep between reads and counts
	// polls, not time, so a clock charged only per TCK would see an erase
	// outlast any timeout.
	Idle func(d time.Duration)
}

// stater is the optional side of a chain that tells its TAP state
// (*dap.JTAGChain does): outside Shift-DR/IR nothing drives TDO, so a
// sample can be answered at once instead of at the next rising edge.
type stater interface{ State() jtag.State }

// wire is one client's view of the pins. It is not safe for concurrent
// use: one connection drives it.
type wire struct {
	t    Target
	st   stater // nil when the chain cannot tell
	out  io.ByteWriter
	tck  bool
	tdo  bool // TDO the last rising edge sampled: still on the pin while TCK is high
	trst bool
	srst bool
	// pending counts samples taken with TCK low in a shift state. TDO there
	// is the bit the next rising edge shifts out, which hw.JTAG reports only
	// when it clocks, so these replies wait for that edge (OpenOCD's
	// bitbang.c always follows a sample with the rising edge).
	pending int
	stats   Stats
}

func newWire(t Target, out io.ByteWriter) *wire {
	w := &wire{t: t, out: out}
	w.st, _ = t.JTAG.(stater)
	return w
}

// step handles one request byte; it reports whether the client quit.
func (w *wire) step(b byte) (quit bool, err error) {
	r := Decode(b)
	switch r.Op {
	case OpWrite:
		rising := r.TCK && !w.tck
		w.tck = r.TCK
		if rising {
			w.tdo = w.t.JTAG.Clock(r.TMS, r.TDI)
			w.stats.TCK++
			for ; w.pending > 0; w.pending-- {
				if err := w.out.WriteByte(tdoByte(w.tdo)); err != nil {
					return false, err
				}
			}
		}
	case OpRead:
		w.stats.Reads++
		switch {
		case w.pending > 0:
			w.pending++ // keep replies in order behind the waiting ones
		case w.tck:
			return false, w.out.WriteByte(tdoByte(w.tdo))
		case w.st != nil && !shifting(w.st.State()):
			return false, w.out.WriteByte('1') // nothing drives TDO: pulled up
		default:
			w.pending++
		}
	case OpReset:
		w.stats.Resets++
		if r.TRST != w.trst {
			w.trst = r.TRST
			w.t.JTAG.SetTRST(r.TRST)
		}
		if r.SRST != w.srst {
			w.srst = r.SRST
			if w.t.SetReset != nil {
				w.t.SetReset(r.SRST)
			}
		}
	case OpBlink:
		w.stats.Blinks++
	case OpQuit:
		return true, nil
	default:
		w.stats.Ignored++
	}
	return false, nil
}

// release lets go of the reset lines a departing client left asserted, so
// the next client finds the chip running and the TAPs usable.
func (w *wire) release() {
	if w.trst {
		w.t.JTAG.SetTRST(false)
		w.trst = false
	}
	if w.srst && w.t.SetReset != nil {
		w.t.SetReset(false)
		w.srst = false
	}
}

func shifting(s jtag.State) bool { return s == jtag.ShiftDR || s == jtag.ShiftIR }
