package station

import (
	"context"
	"errors"
	"fmt"
	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/openocd"
	"github.com/flashstation/flashstation/fixtures"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/recipes"
	"github.com/flashstation/flashstation/targets"
)

// attempt runs one attempt on the slot's probe and returns its final
// record, which the store holds exactly once whatever happened: a probe
// that would not open, a panic, a hang past the deadline.
func (w *worker) attempt(ctx context.Context, c *cycle, try int) *jobs.Attempt {
	deadline := w.cfg.Deadline
	if deadline <= 0 {
		deadline = w.st.opts.AttemptDeadline
	}
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	actx, cancelT := context.WithTimeoutCause(actx, deadline, errDeadline)
	defer cancelT()

	w.mu.Lock()
	f := w.found
	if f == nil || w.problem != "" {
		w.mu.Unlock()
		return w.recordUnstarted(ctx, "", errProbeGone)
	}
	w.cancel = cancel
	if w.aborted != nil { // aborted after the press, before this try began
		cancel(w.aborted)
	}
	w.view.State, w.view.Reason, w.view.Detail, w.view.UnitUID, w.view.Step, w.view.StepIndex, w.view.Progress = StateRunning, "", "", "", "", 0, 0
	w.view.Try = try + 1
	if c != nil {
		w.view.Cycle = c.id
	}
	w.mu.Unlock()
	w.publish()

	rec := &recorder{inner: w.st.opts.Store, w: w}
	rec.fix = func(a *jobs.Attempt) { fixResult(actx, a) }
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() {
			if p := recover(); p != nil {
				o = outcome{panicked: fmt.Errorf("internal error: panic: %v [%s]", p, firstFrames(debug.Stack()))}
			}
			done <- o
		}()
		var p drivers.Probe
		if usesOpenOCD(w.cfg.Driver, f.Kind) {
			// OpenOCD owns the probe: the session starts it in Connect.
			p = openocd.NewProbe(drivers.Identity{Kind: f.Kind, VID: f.Device.VID, PID: f.Device.PID,
				Serial: f.Serial, Port: f.Device.Port, Product: f.Device.Product})
		} else {
			var err error
			if p, err = w.st.opts.OpenProbe(actx, *f); err != nil {
				o.openErr = err
				return
			}
		}
		defer p.Close()
		run := &recipes.Run{Recipe: w.cfg.Recipe, Store: rec, Station: w.st.opts.Name, Slot: w.cfg.Name,
			ProbeSerial: f.Serial, Events: w.onEvent,
			Connect: func(ctx context.Context) (targets.Session, error) { return w.st.opts.Connect(ctx, p, w.cfg.Recipe) }}
		o.attempt, o.err = run.Execute(actx)
	}()

	var o outcome
	select {
	case o = <-done:
	case <-actx.Done():
		// Deadline, abort or probe gone: an attempt that honours ctx returns
		// well within the grace period.
		grace := time.NewTimer(w.st.opts.HangGrace)
		select {
		case o = <-done:
			grace.Stop()
		case <-grace.C:
			// It ignored ctx: record it as hung from the last checkpoint and
			// leave the goroutine to whatever holds it. The slot stays in
			// error until it returns, since it still owns the probe.
			w.mu.Lock()
			w.stuck = true
			w.mu.Unlock()
			go func() {
				<-done
				w.mu.Lock()
				w.stuck = false
				if !w.busy { // ready again: show what the slot is now
					switch {
					case w.found != nil && w.problem == "":
						w.view.State, w.view.Reason = StateIdle, ""
					case w.problem != "":
						w.view.State, w.view.Reason = StateError, w.problem
					default:
						w.view.State, w.view.Reason = StateAbsent, "probe disconnected"
					}
				}
				w.mu.Unlock()
				w.publish()
				w.st.log.Warn("station: hung attempt returned", "slot", w.cfg.Name)
			}()
			o.panicked = fmt.Errorf("slot hung: no answer %s after the attempt ended (%v)", w.st.opts.HangGrace, context.Cause(actx))
		}
	}
	var a *jobs.Attempt
	switch {
	case o.openErr != nil:
		cause := context.Cause(actx)
		if cause == nil || errors.Is(cause, context.Canceled) {
			cause = o.openErr
		}
		a = w.recordUnstarted(ctx, f.Serial, cause)
	case o.panicked != nil:
		w.st.log.Error("station: attempt failed inside the station", "slot", w.cfg.Name, "err", o.panicked)
		a = rec.abandon(ctx, f.Serial, o.panicked)
	case o.err != nil && !rec.started():
		// The store refused the attempt's start: nothing is recorded, but
		// the slot and the metrics still say why.
		a = rec.abandon(ctx, f.Serial, o.err)
	default:
		a = rec.final()
		if o.err != nil {
			w.st.log.Error("station: attempt not fully recorded", "slot", w.cfg.Name, "err", o.err)
			a = unrecorded(a, o.err)
		}
	}
	w.st.observe(ctx, w, a, try == 0)
	return a
}

type outcome struct {
	attempt  *jobs.Attempt
	err      error
	openErr  error
	panicked error
}

// unrecorded is what the slot shows for an attempt whose end the store
// refused (a full disk): a station error naming that, whatever the board
// did, since nothing says so in the records.
func unrecorded(a *jobs.Attempt, err error) *jobs.Attempt {
	c := copyAttempt(a)
	c.Result = jobs.Error
	c.Error = prefixed("the attempt's end could not be recorded: "+err.Error(), a.Error)
	return c
}

// fixResult names why an attempt ended from outside: a probe that left
// and a blown deadline are station errors, not operator aborts.
func fixResult(ctx context.Context, a *jobs.Attempt) {
	cause := context.Cause(ctx)
	var problem probeProblem
	switch {
	case errors.As(cause, &problem) && a.Result != jobs.Pass:
		a.Result = jobs.Error
		a.Error = prefixed(string(problem), a.Error)
	case errors.Is(cause, errProbeGone) || (a.Result == jobs.Error && strings.Contains(a.Error, "probe disconnected")):
		a.Result = jobs.Error
		a.Error = prefixed("probe disconnected", a.Error)
	case errors.Is(cause, errDeadline) && a.Result == jobs.Aborted:
		a.Result = jobs.Error
		a.Error = prefixed("attempt deadline exceeded", a.Error)
	case errors.Is(cause, errAborted) && a.Result == jobs.Aborted:
		a.Error = prefixed("aborted by the operator", a.Error)
	case errors.Is(cause, errStopping) && a.Result == jobs.Aborted:
		a.Error = prefixed("station stopping", a.Error)
	}
}

func prefixed(p, s string) string {
	if s == "" || s == p || strings.HasPrefix(s, p) {
		return p
	}
	return p + ": " + s
}

// recordUnstarted records an attempt that never reached the recipe (the
// probe did not open, or left before the start).
func (w *worker) recordUnstarted(ctx context.Context, serial string, cause error) *jobs.Attempt {
	rec := &recorder{inner: w.st.opts.Store, w: w}
	return rec.abandon(ctx, serial, cause)
}

// recorder sits between the executor and the store: it keeps a copy of the
// attempt at every write (so a hung attempt can still be finished from
// its last known state), lets the station adjust the result, and refuses a
// second Finish, so each attempt is ended exactly once.
type recorder struct {
	inner recipes.Recorder
	w     *worker
	fix   func(*jobs.Attempt)

	mu       sync.Mutex
	last     *jobs.Attempt // copy at the last write
	begun    bool
	finished bool
}

func (r *recorder) Begin(ctx context.Context, a *jobs.Attempt) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.finished {
		return errors.New("station: the attempt was already ended as hung")
	}
	// Record the start even when the attempt was cancelled a moment ago
	// (abort, unplug, stop): the executor ends it at once, and the store
	// holds it either way.
	err := r.inner.Begin(context.WithoutCancel(ctx), a)
	r.begun = err == nil
	r.last = copyAttempt(a)
	return err
}

func (r *recorder) started() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.begun
}

func (r *recorder) Checkpoint(ctx context.Context, a *jobs.Attempt) error {
	r.mu.Lock()
	r.last = copyAttempt(a)
	done := r.finished
	r.mu.Unlock()
	if uid, err := jobs.NormalizeUID(a.UnitUID); err == nil {
		// The form every record, /api/units and export hold.
		r.w.mu.Lock()
		r.w.view.UnitUID = uid
		r.w.mu.Unlock()
	}
	if done {
		return nil
	}
	return r.inner.Checkpoint(ctx, a)
}

func (r *recorder) Finish(ctx context.Context, a *jobs.Attempt) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.finished {
		return nil // the station already ended it as hung
	}
	if r.fix != nil {
		r.fix(a)
	}
	r.finished = true
	err := r.inner.Finish(ctx, a)
	// Copied after the store settled the serials into a.Serials, which
	// the metrics count.
	r.last = copyAttempt(a)
	return err
}

func (r *recorder) Reserve(ctx context.Context, series string, first uint64, id jobs.ID) (uint64, error) {
	return r.inner.Reserve(ctx, series, first, id)
}

func (r *recorder) Spend(ctx context.Context, id jobs.ID) error { return r.inner.Spend(ctx, id) }

// final is the attempt as recorded.
func (r *recorder) final() *jobs.Attempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// abandon ends the attempt as an error from its last known state, or
// records a whole new one when the executor never began it.
func (r *recorder) abandon(ctx context.Context, serial string, cause error) *jobs.Attempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.finished {
		return r.last
	}
	w := r.w
	a := r.last
	if !r.begun {
		a = &jobs.Attempt{Station: w.st.opts.Name, Slot: w.cfg.Name, ProbeSerial: serial, Recipe: w.cfg.Recipe.Name,
			RecipeSHA256: fmt.Sprintf("%x", w.cfg.Recipe.SHA256), Started: w.st.opts.Now()}
		a.FirmwareSHA256, a.Images = w.cfg.Recipe.ImageSums()
		if err := r.inner.Begin(context.WithoutCancel(ctx), a); err != nil {
			w.st.log.Error("station: cannot record the attempt", "slot", w.cfg.Name, "err", err)
			a.Result, a.Error = jobs.Error, cause.Error()
			r.finished, r.last = true, a
			return a
		}
		a.FailedStep = "open probe"
	}
	a.Result, a.Error, a.Ended = jobs.Error, cause.Error(), w.st.opts.Now()
	if errors.Is(cause, errAborted) {
		a.Result = jobs.Aborted
	}
	r.finished, r.last = true, a
	if err := r.inner.Finish(context.WithoutCancel(ctx), a); err != nil {
		w.st.log.Error("station: cannot record the attempt's end", "slot", w.cfg.Name, "err", err)
	}
	return a
}

func copyAttempt(a *jobs.Attempt) *jobs.Attempt {
	c := *a
	c.Steps = slices.Clone(a.Steps)
	c.Serials = slices.Clone(a.Serials)
	return &c
}

// firstFrames keeps the panic's location, not the whole stack.
func firstFrames(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	for i, l := range lines {
		if strings.Contains(l, "panic(") && i+3 < len(lines) {
			return strings.TrimSpace(lines[i+2]) + " " + strings.TrimSpace(lines[i+3])
		}
	}
	return ""
}

// usesOpenOCD says whether a slot's probe goes through OpenOCD: when the
// slot says so, and for J-Link (no native driver) unless it says native.
func usesOpenOCD(driver string, kind drivers.Kind) bool {
	switch driver {
	case fixtures.DriverOpenOCD:
		return true
	case fixtures.DriverNative:
		return false
	}
	return kind == drivers.JLink
}
