package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/sys/unix"

	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/recipes"
	"github.com/flashstation/flashstation/targets"
)

// stepProgress shows a running attempt. On a terminal that reports its
// size, a step that moves bytes gets a live bar (mpb) with bytes, rate and
// ETA; steps without bytes get one line when they end. Without a TTY (logs,
// CI, pipes) or on a terminal of no size (TERM=dumb, a serial console),
// every step is plain lines: each quarter of its bytes, and its end.
type stepProgress struct {
	mu    sync.Mutex
	out   io.Writer
	live  *mpb.Progress
	bars  map[int]*mpb.Bar
	steps map[int]*stepLine
	now   func() time.Time
}

// stepLine is what plain mode remembers of a running step.
type stepLine struct {
	name    string
	started time.Time
	quarter int64 // the last quarter printed (0..4)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// liveTerminal: w is a terminal that can draw bars: it reports a width
// and TERM is not "dumb".
func liveTerminal(w io.Writer) bool {
	if !isTerminal(w) || os.Getenv("TERM") == "dumb" {
		return false
	}
	ws, err := unix.IoctlGetWinsize(int(w.(*os.File).Fd()), unix.TIOCGWINSZ)
	return err == nil && ws.Col > 0
}

func newStepProgress(out io.Writer) *stepProgress { return newProgress(out, liveTerminal(out)) }

func newProgress(out io.Writer, live bool) *stepProgress {
	p := &stepProgress{out: out, bars: map[int]*mpb.Bar{}, steps: map[int]*stepLine{}, now: time.Now}
	if live {
		p.live = mpb.New(mpb.WithOutput(out), mpb.WithWidth(32), mpb.WithRefreshRate(100*time.Millisecond))
	}
	return p
}

// println prints a line above the live bars, or plainly.
func (p *stepProgress) println(line string) {
	if p.live != nil {
		fmt.Fprintln(p.live, line)
		return
	}
	fmt.Fprintln(p.out, line)
}

// event is the recipes.Run Events hook.
func (p *stepProgress) event(e recipes.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	name := fmt.Sprintf("%d %s", e.Step+1, e.Action)
	if e.Step < 0 {
		name = "- " + string(e.Action)
	}
	switch e.Kind {
	case recipes.StepStarted:
		p.steps[e.Step] = &stepLine{name: name, started: p.now()}
		if e.Try > 1 {
			p.println(fmt.Sprintf("  %s: try %d", name, e.Try))
			if b := p.bars[e.Step]; b != nil {
				b.SetCurrent(0)
			}
		}
	case recipes.StepProgress:
		p.progress(e.Step, e.Done, e.Total)
	case recipes.StepFinished:
		b := p.bars[e.Step]
		delete(p.bars, e.Step)
		if b != nil {
			if e.Result == jobs.Pass {
				b.SetTotal(-1, true)
			} else {
				b.Abort(false)
			}
		}
		line := fmt.Sprintf("  %-16s %s", name, e.Result)
		if e.Err != "" {
			line += ": " + e.Err
		}
		p.println(line)
	}
}

// progress shows done of total bytes of step.
func (p *stepProgress) progress(step int, done, total int64) {
	if total <= 0 {
		return
	}
	sl := p.steps[step]
	if sl == nil {
		sl = &stepLine{name: fmt.Sprintf("%d", step+1), started: p.now()}
		p.steps[step] = sl
	}
	if p.live != nil {
		b := p.bars[step]
		if b == nil {
			// The bar appears with the first bytes, so steps that move
			// none (read-id, reset) never show an empty one.
			b = p.live.AddBar(total,
				mpb.PrependDecorators(decor.Name(fmt.Sprintf("%-14s", sl.name))),
				mpb.AppendDecorators(
					decor.CountersKibiByte("% .1f / % .1f", decor.WC{W: 22}),
					decor.Name("  "),
					decor.AverageSpeed(decor.SizeB1024(0), "% .1f", decor.WC{W: 12}),
					decor.Name("  ETA "),
					decor.OnComplete(decor.AverageETA(decor.ET_STYLE_MMSS), "done")),
				mpb.BarRemoveOnComplete())
			p.bars[step] = b
		}
		b.SetTotal(total, false)
		b.SetCurrent(done)
		return
	}
	q := done * 4 / total
	if q <= sl.quarter {
		return
	}
	sl.quarter = q
	line := fmt.Sprintf("  %-16s %3d%% %s / %s", sl.name, done*100/total, kib(done), kib(total))
	if el := p.now().Sub(sl.started); el > 0 && done > 0 {
		rate := float64(done) / el.Seconds()
		line += fmt.Sprintf(", %s/s", kib(int64(rate)))
		if done < total {
			line += fmt.Sprintf(", ETA %s", (time.Duration(float64(total-done) / rate * float64(time.Second))).Round(time.Second))
		}
	}
	fmt.Fprintln(p.out, line)
}

// bytes is a progress callback for one operation outside a recipe (read).
func (p *stepProgress) bytes(name string) targets.ProgressFunc {
	p.mu.Lock()
	p.steps[0] = &stepLine{name: name, started: p.now()}
	p.mu.Unlock()
	return func(pr targets.Progress) {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.progress(0, pr.Done, pr.Total)
	}
}

func kib(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f KiB", float64(n)/1024)
}

// wait lets the bars draw their last frame.
func (p *stepProgress) wait() {
	if p.live != nil {
		p.live.Wait()
	}
}
