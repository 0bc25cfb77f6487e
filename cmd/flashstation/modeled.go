package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/flashstation/flashstation/recipes"
)

// modeledTimes collects, on a simulated probe, the modeled time each step
// took: what the hardware would have needed, as opposed to the wall time
// the simulator spent (a few milliseconds). It hooks the attempt's events;
// a step tried more than once counts every try.
type modeledTimes struct {
	now func() time.Duration // the simulated probe's clock

	mu      sync.Mutex
	started time.Duration
	begun   map[int]time.Duration // step index (-1: connect) → start of its current try
	steps   []modeledStep
	index   map[int]int // step index → position in steps
}

// modeledStep is one step's modeled seconds, in the order the steps ran.
type modeledStep struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
}

// modeledReport is what --json adds beside the attempt on a simulated probe.
type modeledReport struct {
	Seconds float64       `json:"seconds"`
	Steps   []modeledStep `json:"steps"`
}

func newModeledTimes(now func() time.Duration) *modeledTimes {
	return &modeledTimes{now: now, started: now(), begun: map[int]time.Duration{}, index: map[int]int{}}
}

// hook passes every event to next and notes step boundaries.
func (m *modeledTimes) hook(next func(recipes.Event)) func(recipes.Event) {
	return func(e recipes.Event) {
		m.note(e)
		if next != nil {
			next(e)
		}
	}
}

func (m *modeledTimes) note(e recipes.Event) {
	switch e.Kind {
	case recipes.StepStarted, recipes.StepFinished:
	default:
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.now()
	if e.Kind == recipes.StepStarted {
		m.begun[e.Step] = t
		return
	}
	t0, ok := m.begun[e.Step]
	if !ok {
		return // a finish without a start: nothing to measure
	}
	delete(m.begun, e.Step)
	i, seen := m.index[e.Step]
	if !seen {
		i = len(m.steps)
		m.index[e.Step] = i
		m.steps = append(m.steps, modeledStep{Name: string(e.Action)})
	}
	m.steps[i].Seconds += (t - t0).Seconds()
}

// report is the total since the attempt began and the steps so far.
func (m *modeledTimes) report() *modeledReport {
	m.mu.Lock()
	defer m.mu.Unlock()
	return &modeledReport{Seconds: (m.now() - m.started).Seconds(), Steps: append([]modeledStep(nil), m.steps...)}
}

// print writes the text form: the total and each step's share.
func (r *modeledReport) print(w io.Writer) {
	parts := make([]string, len(r.Steps))
	for i, s := range r.Steps {
		parts[i] = fmt.Sprintf("%s %s", s.Name, seconds(s.Seconds))
	}
	fmt.Fprintf(w, "modeled  %s on the simulated probe (what the hardware would take): %s\n",
		seconds(r.Seconds), strings.Join(parts, ", "))
}

// seconds prints a modeled duration to the millisecond.
func seconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond).String()
}
