package station

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/flashstation/flashstation/drivers/discover"
	"github.com/flashstation/flashstation/fixtures"
	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/recipes"
)

// Causes that end an attempt from outside.
var (
	errProbeGone = errors.New("probe disconnected")
	errAborted   = errors.New("aborted by the operator")
	errStopping  = errors.New("station stopping")
	errDeadline  = errors.New("attempt deadline exceeded")
)

// probeProblem cancels an attempt whose probe is still present but can no
// longer be used; its text is the scan's reason.
type probeProblem string

func (p probeProblem) Error() string { return string(p) }

// worker drives one slot (one probe serial): absent -> idle -> running ->
// pass|fail|error -> running on the next press. Its mutex guards the view
// and the presence; attempts run outside it.
type worker struct {
	pubMu sync.Mutex // serializes publish
	st    *Station
	cfg   SlotConfig
	start chan *cycle // a cycle wants this slot; buffered 1
	wake  chan struct{}

	mu       sync.Mutex
	view     SlotView
	found    *discover.Found
	problem  string // why a present probe cannot be used
	busy     bool   // claimed by a cycle or running
	cancel   context.CancelCauseFunc
	stuck    bool  // a hung attempt still holds the probe
	aborted  error // an abort while busy: no further try this cycle
	lastPct  int
	lastSent time.Time
}

func newWorker(s *Station, sc SlotConfig) *worker {
	return &worker{st: s, cfg: sc, start: make(chan *cycle, 1), wake: make(chan struct{}, 1),
		view: SlotView{Name: sc.Name, Place: sc.Place, State: StateAbsent, Recipe: sc.Recipe.Name,
			Steps: len(sc.Recipe.Steps), Reason: "no probe " + sc.Probe.String() + " attached"}}
}

// setProbe records what the last scan found for this slot.
func (w *worker) setProbe(f *discover.Found, problem string) {
	w.mu.Lock()
	was := w.found != nil && w.problem == ""
	w.found, w.problem = f, problem
	now := f != nil && problem == ""
	changed := was != now
	if f != nil {
		pv := probeView(*f)
		w.view.Probe = &pv
	}
	if !now && w.cancel != nil {
		if problem != "" {
			w.cancel(probeProblem(problem))
		} else {
			w.cancel(errProbeGone)
		}
	}
	if changed && !w.busy && !w.stuck {
		switch {
		case now:
			w.view.State, w.view.Reason = StateIdle, ""
		case problem != "":
			w.view.State, w.view.Reason = StateError, problem
		default:
			w.view.State, w.view.Reason = StateAbsent, "probe disconnected"
		}
	}
	w.mu.Unlock()
	if changed {
		w.logProbe(f, now, problem)
		w.publish()
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// logProbe writes one journal line when the slot's probe comes, goes or
// becomes unusable.
func (w *worker) logProbe(f *discover.Found, present bool, problem string) {
	log := w.st.log.With("slot", w.cfg.Name, "selector", w.cfg.Probe.String())
	switch {
	case present:
		log.Info("probe attached", "probe", f.Serial, "kind", string(f.Kind), "port", f.Device.Port)
	case problem != "":
		log.Warn("probe unusable", "reason", problem)
	default:
		log.Warn("probe gone")
	}
}

// claim marks the slot taken when it is ready: a probe present and usable,
// nothing running, nothing hung. The caller then sends the cycle on start.
func (w *worker) claim() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.found == nil || w.problem != "" || w.busy || w.stuck {
		return false
	}
	w.busy = true
	return true
}

func (w *worker) run(ctx context.Context) {
	if w.st.opts.Mode == fixtures.ModeAuto {
		w.runAuto(ctx)
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case c := <-w.start:
			last := w.runSlot(ctx, c)
			w.st.slotDone(c, w, last)
		}
	}
}

// runAuto starts an attempt whenever a board appears in the nest: one
// attempt per board, then it waits for the nest to empty. The nest counts
// as emptied only after autoEmptyReadings empty readings in a row, or when
// the probe itself went away: one failed reading (a USB hiccup while
// opening the probe, a slow answer) must not flash the same board again,
// which would spend a second serial number on it.
func (w *worker) runAuto(ctx context.Context) {
	flashed := false
	empty := 0 // empty-nest readings in a row
	t := time.NewTicker(w.st.opts.ScanInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.wake:
		}
		w.mu.Lock()
		f, ok := w.found, w.found != nil && w.problem == "" && !w.stuck
		w.mu.Unlock()
		if f == nil {
			flashed, empty = false, 0 // the probe left: whatever comes back is new
			continue
		}
		if !ok {
			continue // present but unusable for now: the board has not moved
		}
		if !w.st.opts.BoardPresent(ctx, *f) {
			if empty++; empty >= autoEmptyReadings {
				flashed = false
				w.boardLeft()
			}
			continue
		}
		empty = 0
		if flashed {
			continue
		}
		w.mu.Lock()
		w.busy = true
		w.mu.Unlock()
		w.runSlot(ctx, nil)
		flashed = true
	}
}

// boardLeft: the nest emptied. A tile that said the board in it was
// aborted half-way says READY again: that board is gone.
func (w *worker) boardLeft() {
	w.mu.Lock()
	changed := w.view.State == StateAborted && !w.busy
	if changed {
		w.view.State, w.view.Reason, w.view.Detail, w.view.UnitUID = StateIdle, "", "", ""
	}
	w.mu.Unlock()
	if changed {
		w.publish()
	}
}

// autoEmptyReadings is how many empty-nest readings in a row mean the
// board was taken out (at the scan interval, 0.5 s by default: 1.5 s).
const autoEmptyReadings = 3

// runSlot runs the slot's attempts for one cycle (the first and its
// retries) and returns the last attempt.
func (w *worker) runSlot(ctx context.Context, c *cycle) *jobs.Attempt {
	var last *jobs.Attempt
	for try := 0; ; try++ {
		last = w.attempt(ctx, c, try)
		if ctx.Err() != nil || try >= w.cfg.Retries || !slices.Contains(w.cfg.RetryOn, last.Result) || !w.usable() || w.abortedRun() {
			break
		}
	}
	if hook := w.st.opts.AfterSlot; hook != nil && ctx.Err() == nil && !w.isStuck() {
		hook(w.cfg.Name, last)
	}
	w.finish(last)
	return last
}

func (w *worker) abortedRun() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.aborted != nil
}

func (w *worker) usable() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.found != nil && w.problem == "" && !w.stuck
}

func (w *worker) isStuck() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stuck
}

// finish shows the slot's outcome until its next cycle.
func (w *worker) finish(a *jobs.Attempt) {
	w.mu.Lock()
	w.busy = false
	w.cancel = nil
	w.aborted = nil
	w.view.Reason, w.view.Detail = plainReason(a), reason(a)
	switch {
	case w.stuck:
		w.view.State = StateError
	case w.found == nil:
		w.view.State = StateAbsent
	case w.problem != "":
		// The probe is present but cannot be used (a second one matches
		// the slot, unsupported firmware): that is what to fix first.
		w.view.State, w.view.Reason = StateError, w.problem
	case a.Result == jobs.Pass:
		w.view.State = StatePass
	case a.Result == jobs.Fail:
		w.view.State = StateFail
	case a.Result == jobs.Aborted:
		w.view.State = StateAborted
	default:
		w.view.State = StateError
	}
	w.view.Progress = 1
	w.mu.Unlock()
	w.publish()
}

// reason puts an attempt's failure in plain words for the operator.
func reason(a *jobs.Attempt) string {
	switch a.Result {
	case jobs.Pass:
		return ""
	case jobs.Aborted:
		return "aborted"
	}
	if a.FailedStep != "" {
		return a.FailedStep + ": " + a.Error
	}
	return a.Error
}

// onEvent turns the executor's events into slot updates. Progress is sent
// when it moves by a percent or more, so a 1 MiB program step costs about
// a hundred updates, not thousands.
func (w *worker) onEvent(e recipes.Event) {
	w.mu.Lock()
	send := false
	switch e.Kind {
	case recipes.StepStarted:
		w.view.Step, w.view.StepIndex, w.view.Progress, w.lastPct = string(e.Action), e.Step+1, 0, 0
		send = true
	case recipes.StepProgress:
		if e.Total > 0 {
			pct := int(100 * e.Done / e.Total)
			if pct != w.lastPct {
				w.lastPct, w.view.Progress = pct, float64(e.Done)/float64(e.Total)
				send = true
			}
		}
	case recipes.StepFinished:
		w.view.Progress = 1
		send = true
	}
	w.mu.Unlock()
	if send {
		w.publish()
	}
}

func (w *worker) snapshot() SlotView {
	w.mu.Lock()
	defer w.mu.Unlock()
	v := w.view
	v.Seq = w.st.viewSeq.Add(1) // under w.mu: a later snapshot sees newer state
	if v.Probe != nil {
		p := *v.Probe
		v.Probe = &p
	}
	return v
}

// publish sends the slot's view to listeners and the state gauge. The
// scanner and the worker both publish: pubMu keeps each snapshot and its
// sending together, so listeners never get an older view last.
func (w *worker) publish() {
	w.pubMu.Lock()
	defer w.pubMu.Unlock()
	v := w.snapshot()
	w.st.m.setSlotState(v.Name, v.State)
	w.st.events.publish("slot", v)
}

// abort cancels the slot's run, if any: the attempt under way, and every
// try not begun yet (claimed by a press, or a retry to come).
func (w *worker) abort(cause error) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.busy {
		return false
	}
	w.aborted = cause
	if w.cancel != nil {
		w.cancel(cause)
	}
	return true
}
