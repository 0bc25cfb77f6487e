package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/recipes"
)

// stepProgress shows a running attempt: a live progress bar per step on a
// terminal (mpb), plain lines otherwise (logs, CI, pipes).
type stepProgress struct {
	mu    sync.Mutex
	out   io.Writer
	live  *mpb.Progress
	bars  map[int]*mpb.Bar
	names map[int]string
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func newStepProgress(out io.Writer) *stepProgress {
	p := &stepProgress{out: out, bars: map[int]*mpb.Bar{}, names: map[int]string{}}
	if isTerminal(out) {
		p.live = mpb.New(mpb.WithOutput(out), mpb.WithWidth(40), mpb.WithRefreshRate(100*time.Millisecond))
	}
	return p
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
		p.names[e.Step] = name
		if p.live != nil && p.bars[e.Step] == nil {
			p.bars[e.Step] = p.live.AddBar(0,
				mpb.PrependDecorators(decor.Name(fmt.Sprintf("%-16s", name))),
				mpb.AppendDecorators(decor.OnComplete(decor.Percentage(decor.WC{W: 5}), "done"), decor.Name(" "),
					decor.OnAbort(decor.CountersKibiByte("% .1f / % .1f"), "failed")))
		} else if p.live == nil && e.Try > 1 {
			fmt.Fprintf(p.out, "  %s: try %d\n", name, e.Try)
		}
	case recipes.StepProgress:
		if b := p.bars[e.Step]; b != nil && e.Total > 0 {
			b.SetTotal(e.Total, false)
			b.SetCurrent(e.Done)
		}
	case recipes.StepFinished:
		if b := p.bars[e.Step]; b != nil {
			if e.Result == jobs.Pass {
				b.SetTotal(-1, true)
			} else {
				b.Abort(false)
			}
			return
		}
		line := fmt.Sprintf("  %-16s %s", name, e.Result)
		if e.Err != "" {
			line += ": " + e.Err
		}
		fmt.Fprintln(p.out, line)
	}
}

// wait lets the bars draw their last frame.
func (p *stepProgress) wait() {
	if p.live != nil {
		p.live.Wait()
	}
}
