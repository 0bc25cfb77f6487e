package station

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/flashstation/flashstation/jobs"
)

// statsTTL: the page polls stats; a query over today's attempts is cheap
// but not free, so one answer serves every poll for a couple of seconds.
const statsTTL = 2 * time.Second

type statsCache struct {
	mu    sync.Mutex
	at    time.Time
	stats Stats
}

func (s *Station) getStats(w http.ResponseWriter, r *http.Request) {
	st, err := s.Stats(r.Context())
	if err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// Stats counts cycles, today's yield, first-pass yield and throughput.
func (s *Station) Stats(ctx context.Context) (Stats, error) {
	c := &s.statsCache
	c.mu.Lock()
	defer c.mu.Unlock()
	now := s.opts.Now()
	if !c.at.IsZero() && now.Sub(c.at) < statsTTL && now.After(c.at) {
		return s.withCentral(c.stats), nil
	}
	y, mo, d := now.Date()
	midnight := time.Date(y, mo, d, 0, 0, 0, 0, now.Location())
	since := midnight
	if hour := now.Add(-time.Hour); hour.Before(since) {
		since = hour
	}
	list, err := s.opts.Store.Query(ctx, jobs.Filter{Since: since})
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Since: midnight}
	tally := map[string]*SlotTally{}
	for _, a := range list {
		if a.Result == jobs.Pass && a.Started.After(now.Add(-time.Hour)) {
			st.UnitsPerHour++
		}
		if a.Started.Before(midnight) {
			continue
		}
		st.Today.Attempts++
		t := tally[a.Slot]
		if t == nil {
			t = &SlotTally{Slot: a.Slot}
			tally[a.Slot] = t
		}
		switch a.Result {
		case jobs.Pass:
			st.Today.Pass++
			t.Pass++
		case jobs.Fail:
			st.Today.Fail++
			t.Fail++
		case jobs.Error, jobs.Interrupted:
			st.Today.Error++
		case jobs.Aborted:
			st.Today.Aborted++
		}
	}
	if n := st.Today.Pass + st.Today.Fail + st.Today.Error; n > 0 {
		v := float64(st.Today.Pass) / float64(n)
		st.Today.Yield = &v
	}
	if p, n := s.m.firstPass(); n > 0 {
		v := float64(p) / float64(n)
		st.FirstPassYield = &v
	}
	for _, t := range tally {
		st.Slots = append(st.Slots, *t)
	}
	sort.Slice(st.Slots, func(i, j int) bool { return st.Slots[i].Slot < st.Slots[j].Slot })
	s.mu.Lock()
	st.Cycles, st.IgnoredPresses = s.cycles, s.ignored
	s.mu.Unlock()
	c.at, c.stats = now, st
	return s.withCentral(st), nil
}

// withCentral adds the forwarder's state, fresh on every call (it is
// cheap, and the page shows a backlog as it grows).
func (s *Station) withCentral(st Stats) Stats {
	if s.opts.Central != nil {
		cs := s.opts.Central.Status()
		st.Central = &cs
	}
	return st
}
