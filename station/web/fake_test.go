package web

import (
	"encoding/json"
	"fmt"
	"github.com/flashstation/flashstation/central"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/flashstation/flashstation/fixtures"
	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/station"
)

// fakeStation serves the station's API shapes (station.SlotView and
// friends, so a change there breaks this at compile time) from a scripted
// fixture: a cycle walks every present slot through its steps and ends it
// in the outcome the test chose. It lets the page tests stop a cycle half
// way, take the station offline and draw 48 slots, which the real station
// on a simulated fixture does not make easy.
type fakeStation struct {
	t *testing.T

	mu       sync.Mutex
	slots    []station.SlotView
	outcome  map[string]string // slot -> "pass" | "fail: reason"
	cycles   int64
	presses  int
	offline  bool
	central  *central.Status // the forwarder's state in /api/stats
	subs     map[chan sse]bool
	hold     chan struct{}       // when set, a cycle waits half way through "program"
	halfway  chan struct{}       // closed when every running slot is half way
	finished int64               // cycles ended
	last     *station.CycleEvent // what /api/slots says of the last cycle
	seq      uint64              // last SlotView.Seq handed out by setSlot
	// stall, when set, holds a /api/slots answer after its snapshot was
	// taken (closing stalled), as a slow network would.
	stall, stalled chan struct{}
}

type sse struct {
	event string
	data  any
}

var steps = []string{"read-id", "mass-erase", "program", "verify"}

func newFake(t *testing.T, slots []station.SlotView, outcome map[string]string) (*fakeStation, *httptest.Server) {
	f := &fakeStation{t: t, slots: slots, outcome: outcome, subs: map[chan sse]bool{}}
	page, err := fs.Sub(FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /", http.FileServerFS(page))
	mux.HandleFunc("GET /api/slots", f.getSlots)
	mux.HandleFunc("GET /api/stats", f.getStats)
	mux.HandleFunc("GET /api/events", f.getEvents)
	mux.HandleFunc("POST /api/cycle", f.postCycle)
	srv := httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(func() {
		f.setOffline(true)
		srv.Close()
	})
	return f, srv
}

// slotsOf builds n slots in rows of cols, all idle with a probe.
func slotsOf(n, cols int) []station.SlotView {
	out := make([]station.SlotView, n)
	for i := range out {
		row, col := i/cols+1, i%cols+1
		out[i] = station.SlotView{Name: fmt.Sprintf("%c%d", 'A'+row-1, col), Place: fixtures.Place{Row: row, Col: col},
			State: station.StateIdle, Recipe: "blackpill-circuitpython", Steps: len(steps),
			Probe: &station.ProbeView{Serial: fmt.Sprintf("E66141%06X", i), Kind: "cmsis-dap-v2"}}
	}
	return out
}

func (f *fakeStation) down(w http.ResponseWriter) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.offline {
		http.Error(w, "station down", http.StatusServiceUnavailable)
	}
	return f.offline
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeStation) getSlots(w http.ResponseWriter, _ *http.Request) {
	if f.down(w) {
		return
	}
	f.mu.Lock()
	resp := station.SlotsResponse{Station: "line-3-flash-1", Mode: fixtures.ModePedal, Cycle: f.cycles,
		Slots: append([]station.SlotView(nil), f.slots...), Unassigned: []station.ProbeView{}, LastCycle: f.last}
	stall, stalled := f.stall, f.stalled
	f.stall = nil
	f.mu.Unlock()
	if stall != nil {
		close(stalled)
		<-stall
	}
	writeJSON(w, http.StatusOK, resp)
}

func (f *fakeStation) getStats(w http.ResponseWriter, _ *http.Request) {
	if f.down(w) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	y, fpy := 0.9375, 0.875
	writeJSON(w, http.StatusOK, station.Stats{Cycles: f.cycles, FirstPassYield: &fpy, UnitsPerHour: 412,
		Today: station.DayStats{Attempts: 16, Pass: 15, Fail: 1, Yield: &y}, Central: f.central})
}

func (f *fakeStation) getEvents(w http.ResponseWriter, r *http.Request) {
	if f.down(w) {
		return
	}
	ch := make(chan sse, 256)
	f.mu.Lock()
	f.subs[ch] = true
	f.mu.Unlock()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	// A short retry keeps the offline test fast; the page must cope with
	// the browser's default too.
	fmt.Fprint(w, "retry: 300\n\n")
	w.(http.Flusher).Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case m, ok := <-ch:
			if !ok {
				return // offline: drop the connection
			}
			data, _ := json.Marshal(m.data)
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", m.event, data)
			w.(http.Flusher).Flush()
		}
	}
}

// publish sends an event to every listener; callers hold f.mu.
func (f *fakeStation) publish(event string, v any) {
	for ch := range f.subs {
		ch <- sse{event, v}
	}
}

func (f *fakeStation) setOffline(off bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.offline = off
	if off {
		for ch := range f.subs {
			close(ch)
			delete(f.subs, ch)
		}
	}
}

func (f *fakeStation) setSlot(i int, change func(*station.SlotView)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(&f.slots[i])
	f.seq++
	f.slots[i].Seq = f.seq
	f.publish("slot", f.slots[i])
}

func (f *fakeStation) postCycle(w http.ResponseWriter, r *http.Request) {
	if f.down(w) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.presses++
	if r.URL.Query().Get("source") != "web" {
		f.t.Errorf("POST %s: the page should say source=web", r.URL)
	}
	var names []string
	for _, s := range f.slots {
		if s.State == station.StateRunning {
			writeJSON(w, http.StatusConflict, station.CycleResult{Ignored: true, Cycle: f.cycles, Reason: "cycle still running"})
			return
		}
		if s.State != station.StateAbsent {
			names = append(names, s.Name)
		}
	}
	f.cycles++
	id := f.cycles
	f.last = &station.CycleEvent{Cycle: id, State: "started", Source: "web", Slots: names, Started: time.Now()}
	f.publish("cycle", *f.last)
	go f.run(id, names)
	writeJSON(w, http.StatusAccepted, station.CycleResult{Started: true, Cycle: id, Slots: names})
}

// run walks the cycle's slots through the steps together.
func (f *fakeStation) run(id int64, names []string) {
	f.mu.Lock()
	hold, halfway := f.hold, f.halfway
	f.mu.Unlock()
	each := func(change func(*station.SlotView)) {
		f.mu.Lock()
		defer f.mu.Unlock()
		for i := range f.slots {
			if slices.Contains(names, f.slots[i].Name) {
				change(&f.slots[i])
				f.publish("slot", f.slots[i])
			}
		}
	}
	for si, step := range steps {
		for _, p := range []float64{0, 0.5, 1} {
			each(func(s *station.SlotView) {
				s.State, s.Step, s.StepIndex, s.Progress, s.Try, s.Cycle = station.StateRunning, step, si+1, p, 1, id
				s.UnitUID, s.Reason = fmt.Sprintf("0x%s00C0FFEE", s.Name), ""
			})
			if step == "program" && p == 0.5 && hold != nil {
				close(halfway)
				<-hold
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	results := map[jobs.Result]int{}
	each(func(s *station.SlotView) {
		s.State, s.Step, s.StepIndex, s.Progress = station.StatePass, "", 0, 0
		if o := f.outcome[s.Name]; len(o) > 5 && o[:5] == "fail:" {
			s.State, s.Reason = station.StateFail, o[6:]
		}
		results[jobs.Result(s.State)]++
	})
	f.mu.Lock()
	f.last = &station.CycleEvent{Cycle: id, State: "ended", Source: "web", Slots: names, Results: results}
	f.publish("cycle", *f.last)
	f.finished = id
	f.mu.Unlock()
}
