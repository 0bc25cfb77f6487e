package station

import (
	"context"
	"errors"
	"fmt"
	"github.com/flashstation/flashstation/drivers/openocd"
	"io/fs"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flashstation/flashstation/central"
	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/discover"
	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/fixtures"
	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/recipes"
	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/native"
)

// Store is what the station needs of the attempt database; *jobs.Store is one.
type Store interface {
	recipes.Recorder
	ByUnit(ctx context.Context, uid string) ([]*jobs.Attempt, error)
	Query(ctx context.Context, f jobs.Filter) ([]*jobs.Attempt, error)
	Get(ctx context.Context, id jobs.ID) (*jobs.Attempt, error)
}

// SlotConfig is one slot with its loaded recipe.
type SlotConfig struct {
	fixtures.Slot
	Recipe *recipes.Recipe
}

// Options build a Station. Bus, Store, Registry and Slots are required.
type Options struct {
	Name     string // station name, recorded with every attempt
	Mode     fixtures.Mode
	Slots    []SlotConfig
	Bus      link.Bus
	Store    Store
	Registry prometheus.Registerer
	Log      *slog.Logger
	// Version and Revision name the running build for
	// flashstation_build_info ("" is exported as "unknown").
	Version, Revision string
	// AttemptDeadline bounds one attempt where the slot sets none.
	AttemptDeadline time.Duration
	// HangGrace is how long an attempt past its deadline may take to
	// return before the slot records it as hung and moves on (default 5 s).
	HangGrace time.Duration
	// ScanInterval is the hotplug scan period (default 500 ms).
	ScanInterval time.Duration
	// OpenProbe opens the probe for one attempt (default discover.Open on
	// Bus). The station closes it after the attempt.
	OpenProbe func(ctx context.Context, f discover.Found) (drivers.Probe, error)
	// Connect opens the board's session over an open probe (default
	// native.Open with the recipe's chip variant).
	Connect func(ctx context.Context, p drivers.Probe, r *recipes.Recipe) (targets.Session, error)
	// BoardPresent tells auto mode whether a board sits in the nest
	// (default: target voltage above 1.5 V, else the debug port answers).
	BoardPresent func(ctx context.Context, f discover.Found) bool
	// AfterSlot runs when a slot finished its attempts of a cycle, before
	// the slot is ready again: the simulator seats a new board there.
	AfterSlot func(slot string, a *jobs.Attempt)
	// Page is the operator page (station/web's FS); nil serves a note.
	Page fs.FS
	// Token guards mutating endpoints unless LoopbackOnly.
	Token        string
	LoopbackOnly bool
	// Central reports the forwarder to the factory database for
	// /api/stats and the page's header; nil without [central].
	Central interface{ Status() central.Status }
	// Now is the clock for stats (tests set it); time.Now when nil.
	Now func() time.Time
	// StreamWriteTimeout bounds each write of the event stream and of the
	// backup: a client that stops reading is dropped after it, and its
	// goroutine ends (default 10 s).
	StreamWriteTimeout time.Duration
	// MaxEventStreams is how many /api/events streams may be open at once
	// (default 32): one address of another host may hold a quarter of
	// them, and the last quarter is kept for the station's own 127.0.0.1
	// and ::1.
	MaxEventStreams int
}

// Station runs the slots of one fixture. Create with New, start with Run.
type Station struct {
	opts    Options
	log     *slog.Logger
	m       *metrics
	events  *broker
	streams *hostLimiter // open /api/events streams
	workers []*worker
	byName  map[string]*worker

	mu         sync.Mutex
	cycle      *cycle
	lastCycle  *CycleEvent // the last cycle started, or ended; nil before any
	cycles     int64
	ignored    int64
	unassigned []ProbeView
	present    int
	statsCache statsCache
	stopping   bool // Run is ending: no new cycle may start
	viewSeq    atomic.Uint64
}

// New checks the options and builds the station; nothing runs until Run.
func New(o Options) (*Station, error) {
	switch {
	case o.Bus == nil:
		return nil, errors.New("station: no bus")
	case o.Store == nil:
		return nil, errors.New("station: no attempt store")
	case o.Registry == nil:
		return nil, errors.New("station: no metrics registry")
	}
	if o.Mode == "" {
		o.Mode = fixtures.ModePedal
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.AttemptDeadline <= 0 {
		o.AttemptDeadline = 15 * time.Minute
	}
	if o.HangGrace <= 0 {
		o.HangGrace = 5 * time.Second
	}
	if o.ScanInterval <= 0 {
		o.ScanInterval = 500 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.StreamWriteTimeout <= 0 {
		o.StreamWriteTimeout = 10 * time.Second
	}
	if o.MaxEventStreams <= 0 {
		o.MaxEventStreams = 32
	}
	if o.OpenProbe == nil {
		bus, log := o.Bus, o.Log
		o.OpenProbe = func(ctx context.Context, f discover.Found) (drivers.Probe, error) {
			return discover.Open(ctx, bus, f, log)
		}
	}
	if o.Connect == nil {
		log := o.Log
		o.Connect = func(ctx context.Context, p drivers.Probe, r *recipes.Recipe) (targets.Session, error) {
			if op, ok := p.(*openocd.Probe); ok {
				return openocd.OpenSession(ctx, op, r.Target.Facts, log)
			}
			return native.Open(ctx, p, r.Target.Facts)
		}
	}
	if o.BoardPresent == nil {
		o.BoardPresent = o.defaultBoardPresent
	}
	m, err := newMetrics(o.Registry)
	if err != nil {
		return nil, err
	}
	m.buildInfo.WithLabelValues(orUnknown(o.Version), orUnknown(o.Revision), runtime.Version()).Set(1)
	s := &Station{opts: o, log: o.Log, m: m, events: newBroker(), byName: map[string]*worker{},
		streams: newHostLimiter(o.MaxEventStreams, max(1, o.MaxEventStreams/4), o.MaxEventStreams/4)}
	for _, sc := range o.Slots {
		if sc.Recipe == nil {
			return nil, fmt.Errorf("station: slot %s has no recipe", sc.Name)
		}
		if _, dup := s.byName[sc.Name]; dup {
			return nil, fmt.Errorf("station: two slots named %s", sc.Name)
		}
		w := newWorker(s, sc)
		s.workers = append(s.workers, w)
		s.byName[sc.Name] = w
		m.startSlot(sc.Name, sc.Recipe)
	}
	return s, nil
}

// Run scans for probes and runs one worker per slot until ctx ends. On the
// way out it stops the scanner first (no new probes), then cancels and
// waits for the workers: each records its attempt's end (aborted) before
// returning, so the caller may close the store once Run has returned —
// stop workers before closing the store.
func (s *Station) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wctx, stopWorkers := context.WithCancelCause(context.WithoutCancel(ctx))
	for _, w := range s.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(wctx)
		}()
	}
	s.scanLoop(ctx)
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
	stopWorkers(errStopping)
	wg.Wait()
	s.events.close()
	return nil
}

func (s *Station) scanLoop(ctx context.Context) {
	t := time.NewTicker(s.opts.ScanInterval)
	defer t.Stop()
	for {
		s.scan(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// scan lists the probes and hands each slot the one its selector picks.
func (s *Station) scan(ctx context.Context) {
	found, err := discover.Scan(ctx, s.opts.Bus)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("station: probe scan failed", "err", err)
		}
		return
	}
	claimed := make([]bool, len(found))
	for _, w := range s.workers {
		var hit *discover.Found
		var problem string
		for i := range found {
			if !w.cfg.Probe.Match(found[i]) {
				continue
			}
			claimed[i] = true
			if hit != nil {
				problem = fmt.Sprintf("several probes match %s: select one by port", w.cfg.Probe)
				continue
			}
			f := found[i]
			hit = &f
		}
		if hit != nil && !hit.Usable && problem == "" {
			problem = fmt.Sprintf("probe %s cannot be used: %v", hit.Serial, hit.Notes)
		}
		w.setProbe(hit, problem)
	}
	var un []ProbeView
	for i, f := range found {
		if !claimed[i] {
			un = append(un, probeView(f))
		}
	}
	s.mu.Lock()
	s.unassigned, s.present = un, len(found)
	s.mu.Unlock()
	s.m.probesPresent.Set(float64(len(found)))
	s.m.probesUnassigned.Set(float64(len(un)))
}

// defaultBoardPresent opens the probe briefly: a measured target voltage
// decides when the probe has a sensor, else whether the debug port answers.
func (o *Options) defaultBoardPresent(ctx context.Context, f discover.Found) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	p, err := o.OpenProbe(ctx, f)
	if err != nil {
		return false
	}
	defer p.Close()
	if vs, ok := p.(drivers.VoltageSensor); ok {
		if v, err := vs.TargetVoltage(ctx); err == nil {
			return v > 1.5
		}
	}
	_, err = p.Connect(ctx, drivers.ConnectOptions{})
	if err == nil {
		p.Disconnect(ctx)
	}
	return err == nil
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
