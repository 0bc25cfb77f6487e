package recipes

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/targets"
)

// Recorder keeps attempt records; *jobs.Store is one.
//
// Serial numbers: a write step calls Reserve for its number, then Spend
// right before writing it to the board; from Spend on the number is the
// unit's (committed if the attempt passes, burned otherwise, never handed
// to another unit; see jobs.Store.Reserve for the whole life of a number).
type Recorder interface {
	Begin(ctx context.Context, a *jobs.Attempt) error
	Checkpoint(ctx context.Context, a *jobs.Attempt) error
	Finish(ctx context.Context, a *jobs.Attempt) error
	Reserve(ctx context.Context, series string, first uint64, id jobs.ID) (uint64, error)
	Spend(ctx context.Context, id jobs.ID) error
}

// EventKind says what an Event reports.
type EventKind string

const (
	StepStarted  EventKind = "step-started"
	StepProgress EventKind = "step-progress"
	StepFinished EventKind = "step-finished"
	StepLog      EventKind = "step-log"
)

// Event is progress of a running attempt, for progress bars and the
// operator page.
type Event struct {
	Kind   EventKind
	Step   int // 0-based
	Action Action
	Try    int
	Phase  targets.Phase
	Done   int64
	Total  int64
	Result jobs.Result // on StepFinished
	Err    string      // on a failed StepFinished
	Level  slog.Level  // on StepLog
	Msg    string      // on StepLog
}

// Run is one attempt of a recipe on one board.
type Run struct {
	Recipe  *Recipe
	Session targets.Session
	// Connect, when Session is nil, opens the session as the attempt's
	// first step ("connect"), so a board that does not answer is recorded
	// like any other failure. Execute closes a session it opened.
	Connect func(ctx context.Context) (targets.Session, error)
	// ConnectTimeout bounds Connect (default 15 s).
	ConnectTimeout time.Duration
	// Store records the attempt (nil: not recorded, and serial steps fail).
	Store Recorder
	// Identity of the station, slot and probe, for the record.
	Station, Slot, ProbeSerial string
	// Events receives progress; nil when nobody listens. Called from the
	// goroutine running the attempt.
	Events func(Event)
	// Now is the clock (tests set it); time.Now when nil.
	Now func() time.Time
	// CheckpointEvery spaces the progress saves between start and end:
	// each is a disk sync, and with dozens of slots finishing short steps
	// together they would queue. A save always follows read-id (the unit's
	// identity is what QA needs after a crash). 0 means 2 s; <0 saves after
	// every step.
	CheckpointEvery time.Duration
}

var errNoSession = errors.New("recipes: Run needs a Session or a Connect function")

// Execute runs the steps in order, each under its timeout and retries, and
// records the attempt: at start (running), after every step, and at the
// end. It stops at the first failing step unless that step is optional.
// The returned attempt holds the result; the error is non-nil only when
// the attempt could not be recorded at all, or (with a nil attempt) when
// the Run has neither a Session nor a Connect function.
func (r *Run) Execute(ctx context.Context) (*jobs.Attempt, error) {
	if r.Session == nil && r.Connect == nil {
		// Caught before Begin: a record of an attempt that never touched a
		// board would only mislead QA.
		return nil, errNoSession
	}
	now := r.now
	a := &jobs.Attempt{
		Station: r.Station, Slot: r.Slot, ProbeSerial: r.ProbeSerial,
		Recipe:       r.Recipe.Name,
		RecipeSHA256: fmt.Sprintf("%x", r.Recipe.SHA256),
		Started:      now(),
	}
	a.FirmwareSHA256, a.Images = r.Recipe.ImageSums()
	if r.Store != nil {
		if err := r.Store.Begin(ctx, a); err != nil {
			return a, fmt.Errorf("recipes: record the attempt's start: %w", err)
		}
	}
	st := &attemptState{run: r, attempt: a}
	result := jobs.Pass
	lastSave := a.Started
	if r.Session == nil && r.Connect != nil {
		rec := st.connect(ctx)
		a.Steps = append(a.Steps, rec)
		if rec.Result != jobs.Pass {
			a.Result, a.FailedStep, a.Error, a.Ended = rec.Result, "connect", rec.Error, now()
			if r.Store != nil {
				if err := r.Store.Finish(context.WithoutCancel(ctx), a); err != nil {
					return a, fmt.Errorf("recipes: record the attempt's end: %w", err)
				}
			}
			return a, nil
		}
		defer func() {
			r.Session.Close()
			r.Session = nil
		}()
	}
	for i := range r.Recipe.Steps {
		s := r.Recipe.Steps[i]
		if ctx.Err() != nil {
			// Aborted between steps (a step that returned in spite of the
			// abort): no further step touches the board.
			result = jobs.Aborted
			a.FailedStep = s.Label()
			a.Error = fmt.Sprintf("aborted before %s: %v", s.Label(), context.Cause(ctx))
			break
		}
		rec := st.runStep(ctx, s)
		a.Steps = append(a.Steps, rec)
		// An optional step may fail; an abort during it still ends the attempt.
		if rec.Result != jobs.Pass && (!s.Optional || rec.Result == jobs.Aborted) {
			result = rec.Result
			a.FailedStep = s.Label()
			a.Error = rec.Error
			break
		}
		if r.Store != nil && (s.Action == ActReadID || r.now().Sub(lastSave) >= r.checkpointEvery()) {
			// A lost checkpoint costs only crash detail; the attempt goes
			// on. Saved even when ctx was just cancelled: the end follows.
			if err := r.Store.Checkpoint(context.WithoutCancel(ctx), a); err != nil {
				slog.Warn("recipes: checkpoint failed", "slot", r.Slot, "err", err)
			}
			lastSave = r.now()
		}
	}
	a.Result = result
	a.Ended = now()
	if r.Store != nil {
		// Record the end even when ctx was cancelled (an abort): that is
		// exactly the attempt QA will ask about.
		if err := r.Store.Finish(context.WithoutCancel(ctx), a); err != nil {
			return a, fmt.Errorf("recipes: record the attempt's end: %w", err)
		}
	}
	return a, nil
}

func (r *Run) checkpointEvery() time.Duration {
	switch {
	case r.CheckpointEvery < 0:
		return 0
	case r.CheckpointEvery == 0:
		return 2 * time.Second
	}
	return r.CheckpointEvery
}

func (r *Run) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Run) emit(e Event) {
	if r.Events != nil {
		r.Events(e)
	}
}

// attemptState is what earlier steps leave for later ones.
type attemptState struct {
	run     *Run
	attempt *jobs.Attempt
	erased  bool // an unlock or mass erase succeeded: program need not erase
	// protected is what the last read-id found (nil before any read-id).
	protected *bool
	mu        sync.Mutex
}

// runStep runs one step with its retries and returns its record.
func (st *attemptState) runStep(ctx context.Context, s Step) jobs.Step {
	r := st.run
	rec := jobs.Step{Name: string(s.Action), Started: r.now()}
	if s.Image != "" && r.Recipe.MultiImage() {
		rec.Name += " " + s.Image // "program boot": which of the program steps
	}
	var err error
	for try := 1; try <= s.Retries+1; try++ {
		rec.Tries = try
		r.emit(Event{Kind: StepStarted, Step: s.Index, Action: s.Action, Try: try})
		sctx, cancel := context.WithTimeout(ctx, s.Timeout)
		sctx = targets.WithLog(sctx, func(level slog.Level, msg string) {
			st.mu.Lock()
			rec.AddLog(jobs.LogLine{Time: r.now(), Level: level, Msg: msg})
			st.mu.Unlock()
			r.emit(Event{Kind: StepLog, Step: s.Index, Action: s.Action, Level: level, Msg: msg})
		})
		var bytes int64
		bytes, err = st.do(sctx, s, func(p targets.Progress) {
			r.emit(Event{Kind: StepProgress, Step: s.Index, Action: s.Action, Try: try, Phase: p.Phase, Done: p.Done, Total: p.Total})
		})
		timedOut := errors.Is(sctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
		cancel()
		if timedOut && err != nil {
			err = fmt.Errorf("%s timed out after %s: %w", s.Label(), s.Timeout, err)
		}
		rec.Bytes = bytes
		if err == nil || ctx.Err() != nil || errors.Is(err, link.ErrDisconnected) {
			break // success, abort, or nothing left to retry on
		}
		if try <= s.Retries {
			targets.Logf(targets.WithLog(ctx, func(level slog.Level, msg string) {
				st.mu.Lock()
				rec.AddLog(jobs.LogLine{Time: r.now(), Level: level, Msg: msg})
				st.mu.Unlock()
			}), slog.LevelWarn, "try %d failed: %v; retrying", try, err)
		}
	}
	rec.Duration = r.now().Sub(rec.Started)
	rec.Result = Classify(ctx, err)
	if err != nil {
		rec.Error = err.Error()
	}
	r.emit(Event{Kind: StepFinished, Step: s.Index, Action: s.Action, Try: rec.Tries, Result: rec.Result, Err: rec.Error})
	return rec
}

// classify turns a step error into a result: aborted when the attempt was
// cancelled, error when the station (probe, USB) failed, fail when the
// board did.

// connect runs Run.Connect as the attempt's first, recorded step.
func (st *attemptState) connect(ctx context.Context) jobs.Step {
	r := st.run
	rec := jobs.Step{Name: "connect", Started: r.now(), Tries: 1}
	r.emit(Event{Kind: StepStarted, Step: -1, Action: "connect", Try: 1})
	timeout := r.ConnectTimeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	cctx = targets.WithLog(cctx, func(level slog.Level, msg string) {
		rec.AddLog(jobs.LogLine{Time: r.now(), Level: level, Msg: msg})
	})
	sess, err := r.Connect(cctx)
	cancel()
	rec.Duration = r.now().Sub(rec.Started)
	rec.Result = Classify(ctx, err)
	if err != nil {
		rec.Error = err.Error()
	} else {
		r.Session = sess
	}
	r.emit(Event{Kind: StepFinished, Step: -1, Action: "connect", Try: 1, Result: rec.Result, Err: rec.Error})
	return rec
}
