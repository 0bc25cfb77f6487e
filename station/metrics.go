package station

import (
	"fmt"
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/recipes"
)

// States a slot can be in, as /api/slots and flashstation_slot_state name them.
type State string

const (
	StateAbsent  State = "absent"  // no probe, or the probe left
	StateIdle    State = "idle"    // probe present, waiting for a press
	StateRunning State = "running" // an attempt is under way
	StatePass    State = "pass"    // the last attempt passed
	StateFail    State = "fail"    // the board failed
	StateError   State = "error"   // the station failed (probe, USB, hang)
	// StateAborted: the operator stopped the attempt; the board in the
	// nest is half-programmed until the next attempt, or (auto mode) until
	// it leaves the nest.
	StateAborted State = "aborted"
)

var allStates = []State{StateAbsent, StateIdle, StateRunning, StatePass, StateFail, StateError, StateAborted}

// metrics are the station's Prometheus series. Yields are left to recording
// rules over the counters (rate of pass / rate of all), the Prometheus way;
// flashstation_first_pass_yield_ratio is kept as a gauge too because the
// operator page and a bare scrape want the number without a query.
type metrics struct {
	attempts         *prometheus.CounterVec
	firstAttempts    *prometheus.CounterVec
	firstPassYield   *prometheus.GaugeVec
	stepDuration     *prometheus.HistogramVec
	attemptDuration  *prometheus.HistogramVec
	cycleDuration    prometheus.Histogram
	probesPresent    prometheus.Gauge
	probesUnassigned prometheus.Gauge
	slotState        *prometheus.GaugeVec
	cycles           prometheus.Counter
	ignored          *prometheus.CounterVec
	serials          *prometheus.CounterVec
	stepFailures     *prometheus.CounterVec
	buildInfo        *prometheus.GaugeVec

	mu    sync.Mutex
	first map[string][2]int // recipe -> passes, tries
}

// Buckets: steps run from a 10 ms reset to minutes of programming; whole
// attempts from seconds to ten minutes.
var (
	stepBuckets    = []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}
	attemptBuckets = []float64{0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600}
)

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "flashstation_attempts_total",
			Help: "Attempts finished, by result (pass, fail, error, aborted), recipe and slot."}, []string{"result", "recipe", "slot"}),
		firstAttempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "flashstation_first_attempts_total",
			Help: "First attempts on a board (none recorded before on its UID; retries and retests excluded), by recipe and whether they passed."}, []string{"recipe", "passed"}),
		firstPassYield: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "flashstation_first_pass_yield_ratio",
			Help: "Share of boards that passed on their first attempt since the station started, by recipe."}, []string{"recipe"}),
		stepDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "flashstation_step_duration_seconds",
			Help: "Duration of recipe steps, by step, recipe and slot.", Buckets: stepBuckets}, []string{"step", "recipe", "slot"}),
		attemptDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "flashstation_attempt_duration_seconds",
			Help: "Duration of whole attempts, by recipe.", Buckets: attemptBuckets}, []string{"recipe"}),
		cycleDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "flashstation_cycle_duration_seconds",
			Help: "Time from a press to the last slot of its cycle finishing.", Buckets: attemptBuckets}),
		probesPresent: prometheus.NewGauge(prometheus.GaugeOpts{Name: "flashstation_probes_present",
			Help: "Supported debug probes attached, assigned to a slot or not."}),
		probesUnassigned: prometheus.NewGauge(prometheus.GaugeOpts{Name: "flashstation_probes_unassigned",
			Help: "Attached probes that no slot names."}),
		slotState: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "flashstation_slot_state",
			Help: "1 for the state each slot is in, 0 for the others."}, []string{"slot", "state"}),
		cycles: prometheus.NewCounter(prometheus.CounterOpts{Name: "flashstation_cycles_total",
			Help: "Cycles started by a press."}),
		ignored: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "flashstation_pedal_presses_ignored_total",
			Help: "Presses that came while a cycle was running, by source (pedal, web, api)."}, []string{"source"}),
		serials: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "flashstation_serial_numbers_assigned_total",
			Help: "Unit serial numbers committed to passing boards, by series."}, []string{"series"}),
		stepFailures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "flashstation_step_failures_total",
			Help: "Failed or errored attempts by the step they stopped at (connect, read-id, program, verify, ...)."},
			[]string{"step", "recipe", "slot"}),
		buildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "flashstation_build_info",
			Help: "Always 1; the labels say which build runs."}, []string{"version", "revision", "goversion"}),
		first: map[string][2]int{},
	}
	for _, c := range []prometheus.Collector{m.attempts, m.firstAttempts, m.firstPassYield, m.stepDuration, m.attemptDuration,
		m.cycleDuration, m.probesPresent, m.probesUnassigned, m.slotState, m.cycles, m.ignored, m.serials, m.stepFailures, m.buildInfo} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("station: register metrics: %w", err)
		}
	}
	return m, nil
}

// startSlot creates the slot's series at 0 before anything happened, so
// that the first event after a start-up shows in increase() and rate()
// (a series born at 1 hides its first event), and every panel and rule
// has its series from the first scrape: attempts by result, first
// attempts, step failures and step durations for every step the recipe
// can stop at, attempt durations. The first-pass yield gauge stays unborn
// until a board is judged: a 0 there would read as "no board passed".
func (m *metrics) startSlot(slot string, r *recipes.Recipe) {
	m.setSlotState(slot, StateAbsent)
	for _, res := range []jobs.Result{jobs.Pass, jobs.Fail, jobs.Error, jobs.Aborted} {
		m.attempts.WithLabelValues(string(res), r.Name, slot)
	}
	m.firstAttempts.WithLabelValues(r.Name, "true")
	m.firstAttempts.WithLabelValues(r.Name, "false")
	m.attemptDuration.WithLabelValues(r.Name)
	steps := []string{"connect"}
	for _, st := range r.Steps {
		if !slices.Contains(steps, string(st.Action)) {
			steps = append(steps, string(st.Action))
		}
	}
	for _, st := range steps {
		m.stepFailures.WithLabelValues(st, r.Name, slot)
		m.stepDuration.WithLabelValues(st, r.Name, slot)
	}
	if r.Serial != nil {
		m.serials.WithLabelValues(r.Serial.Series)
	}
}

// setSlotState sets the slot's state series to 1 and its others to 0, so
// a dashboard can sum by state.
func (m *metrics) setSlotState(slot string, st State) {
	for _, s := range allStates {
		v := 0.0
		if s == st {
			v = 1
		}
		m.slotState.WithLabelValues(slot, string(s)).Set(v)
	}
}

func (m *metrics) firstTry(recipe string, passed bool) {
	label := "false"
	if passed {
		label = "true"
	}
	m.firstAttempts.WithLabelValues(recipe, label).Inc()
	m.mu.Lock()
	c := m.first[recipe]
	c[1]++
	if passed {
		c[0]++
	}
	m.first[recipe] = c
	m.firstPassYield.WithLabelValues(recipe).Set(float64(c[0]) / float64(c[1]))
	m.mu.Unlock()
}

// firstPass sums first-try passes and tries over every recipe.
func (m *metrics) firstPass() (passes, tries int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.first {
		passes += c[0]
		tries += c[1]
	}
	return passes, tries
}
