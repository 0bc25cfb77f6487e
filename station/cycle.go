package station

import (
	"context"
	"log/slog"
	"maps"
	"math"
	"time"

	"github.com/flashstation/flashstation/fixtures"
	"github.com/flashstation/flashstation/jobs"
)

// cycle is one press: every slot that was ready, started together.
type cycle struct {
	id        int64
	source    string
	started   time.Time
	slots     []string
	remaining int
	results   map[jobs.Result]int
}

// CycleResult answers a press (POST /api/cycle).
//
//	{"started": true, "cycle": 12, "slots": ["A1", "A2"]}
//	{"started": false, "ignored": true, "reason": "cycle 12 is still running"}
type CycleResult struct {
	Started bool     `json:"started"`
	Ignored bool     `json:"ignored,omitempty"` // a press during a cycle
	Cycle   int64    `json:"cycle,omitempty"`
	Slots   []string `json:"slots,omitempty"`
	Reason  string   `json:"reason,omitempty"`
}

// CycleEvent is sent on /api/events as event "cycle" when a cycle starts
// (state "started") and ends (state "ended", with results per outcome).
type CycleEvent struct {
	Cycle    int64               `json:"cycle"`
	State    string              `json:"state"`
	Source   string              `json:"source"` // pedal, web, api
	Slots    []string            `json:"slots"`
	Started  time.Time           `json:"started"`
	Ended    time.Time           `json:"ended,omitzero"`
	Duration float64             `json:"duration_s,omitempty"`
	Results  map[jobs.Result]int `json:"results,omitempty"`
}

// Cycle starts every ready slot at once. A press while a cycle runs is
// ignored and counted (operators stamp twice); source labels the count
// ("pedal", "web", "api").
func (s *Station) Cycle(source string) CycleResult {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return CycleResult{Reason: "the station is stopping"}
	}
	if s.opts.Mode == fixtures.ModeAuto {
		s.mu.Unlock()
		return CycleResult{Reason: "the station is in auto mode: slots start when a board is seated"}
	}
	if s.cycle != nil {
		id := s.cycle.id
		s.ignored++
		s.mu.Unlock()
		s.m.ignored.WithLabelValues(source).Inc()
		return CycleResult{Ignored: true, Cycle: id, Reason: "cycle still running"}
	}
	c := &cycle{id: s.cycles + 1, source: source, started: time.Now(), results: map[jobs.Result]int{}}
	// Claim under the station lock, so two presses cannot both start.
	var claimed []*worker
	for _, w := range s.workers {
		if w.claim() {
			claimed = append(claimed, w)
			c.slots = append(c.slots, w.cfg.Name)
		}
	}
	if len(c.slots) == 0 {
		s.mu.Unlock()
		return CycleResult{Reason: "no slot is ready (no probe, or every slot in error)"}
	}
	c.remaining = len(c.slots)
	s.cycles++
	s.cycle = c
	// "started" goes out before any worker can publish its slot or the
	// cycle's end.
	ev := CycleEvent{Cycle: c.id, State: "started", Source: source, Slots: c.slots, Started: c.started}
	s.lastCycle = &ev
	s.events.publish("cycle", ev)
	for _, w := range claimed {
		w.start <- c // buffered 1, empty while the slot was not busy
	}
	s.mu.Unlock()
	s.m.cycles.Inc()
	return CycleResult{Started: true, Cycle: c.id, Slots: c.slots}
}

// slotDone counts a slot out of its cycle; the last one ends the cycle.
func (s *Station) slotDone(c *cycle, w *worker, last *jobs.Attempt) {
	s.mu.Lock()
	c.results[last.Result]++
	c.remaining--
	end := c.remaining == 0
	if end && s.cycle == c {
		s.cycle = nil
	}
	var ev CycleEvent
	if end {
		ended := time.Now()
		ev = CycleEvent{Cycle: c.id, State: "ended", Source: c.source, Slots: c.slots, Started: c.started,
			Ended: ended, Duration: ended.Sub(c.started).Seconds(), Results: maps.Clone(c.results)}
		// A page loaded now says what the last cycle did, not "Ready".
		s.lastCycle = &ev
	}
	s.mu.Unlock()
	if !end {
		return
	}
	s.m.cycleDuration.Observe(ev.Duration)
	s.events.publish("cycle", ev)
}

// Abort cancels running attempts: every slot, or the one named. Aborted
// attempts are recorded as aborted. It returns the slots it stopped.
func (s *Station) Abort(slot string) []string {
	var out []string
	for _, w := range s.workers {
		if slot != "" && w.cfg.Name != slot {
			continue
		}
		if w.abort(errAborted) {
			out = append(out, w.cfg.Name)
		}
	}
	return out
}

// Idle reports whether no cycle is running (tests and benchmarks wait on it).
func (s *Station) Idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cycle == nil
}

// Slots is the current view of every slot, in configuration order.
func (s *Station) Slots() []SlotView {
	out := make([]SlotView, len(s.workers))
	for i, w := range s.workers {
		out[i] = w.snapshot()
	}
	return out
}

// Unassigned lists the probes attached but named by no slot.
func (s *Station) Unassigned() []ProbeView {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ProbeView(nil), s.unassigned...)
}

// Events subscribes to slot and cycle events; cancel must be called.
func (s *Station) Events() (<-chan Message, func()) { return s.events.subscribe() }

// observe feeds metrics from a finished attempt. firstTry is whether it
// was the first try of its cycle (not a retry).
func (s *Station) observe(ctx context.Context, w *worker, a *jobs.Attempt, firstTry bool) {
	m := s.m
	r := w.cfg.Recipe
	s.logAttempt(a, firstTry)
	m.attempts.WithLabelValues(string(a.Result), r.Name, w.cfg.Name).Inc()
	if (a.Result == jobs.Fail || a.Result == jobs.Error) && len(a.Steps) > 0 {
		// The last step recorded is the one the attempt stopped at.
		m.stepFailures.WithLabelValues(a.Steps[len(a.Steps)-1].Name, r.Name, w.cfg.Name).Inc()
	}
	if !a.Ended.IsZero() {
		m.attemptDuration.WithLabelValues(r.Name).Observe(a.Ended.Sub(a.Started).Seconds())
	}
	for _, st := range a.Steps {
		m.stepDuration.WithLabelValues(st.Name, r.Name, w.cfg.Name).Observe(st.Duration.Seconds())
	}
	for _, sn := range a.Serials {
		if sn.State == jobs.SerialCommitted {
			m.serials.WithLabelValues(sn.Series).Inc()
		}
	}
	if firstTry && a.Result != jobs.Aborted && s.firstOfUnit(ctx, a) {
		m.firstTry(r.Name, a.Result == jobs.Pass)
	}
}

// logAttempt writes the one journal line of an ended attempt: where, what,
// how it ended and why, and how long it took. Passes are Info; a board's
// fail is Warn; a station error Error, so `journalctl -p warning` shows
// every attempt that needs a look.
func (s *Station) logAttempt(a *jobs.Attempt, firstTry bool) {
	level := slog.LevelInfo
	switch a.Result {
	case jobs.Fail, jobs.Aborted:
		level = slog.LevelWarn
	case jobs.Error:
		level = slog.LevelError
	}
	secs := 0.0
	if !a.Ended.IsZero() {
		secs = a.Ended.Sub(a.Started).Seconds()
	}
	s.log.Log(context.Background(), level, "attempt ended",
		"slot", a.Slot, "probe", a.ProbeSerial, "unit", a.UnitUID, "recipe", a.Recipe,
		"result", string(a.Result), "failed_step", a.FailedStep, "reason", a.Error,
		"seconds", math.Round(secs*1000)/1000, "attempt", a.ID.String(), "retry", !firstTry)
}

// firstOfUnit reports whether a is the first attempt to judge its board:
// none recorded before it on the same UID, aborted ones aside. A board
// that failed, was reseated and passed on the next press is a retest, not
// a first pass. Without a UID (the attempt stopped before read-id) it
// cannot tell and counts the attempt as first.
func (s *Station) firstOfUnit(ctx context.Context, a *jobs.Attempt) bool {
	if a.UnitUID == "" {
		return true
	}
	// Only attempts started before this one: usually none, so nothing is
	// decoded.
	// Also while the station stops: the attempt has ended, its count must not.
	earlier, err := s.opts.Store.Query(context.WithoutCancel(ctx), jobs.Filter{UID: a.UnitUID, Until: a.ID.Time()})
	if err != nil {
		s.log.Warn("station: cannot tell whether this is the unit's first attempt; counted as first",
			"unit", a.UnitUID, "err", err)
		return true
	}
	for _, e := range earlier {
		if e.Result != jobs.Aborted {
			return false
		}
	}
	return true
}
