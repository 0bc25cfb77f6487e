package station

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/discover"
	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/jobs"
)

// An abort that lands while the probe is being opened (before the executor
// calls Begin) must still leave exactly one attempt in the store, and the
// metrics must not invent a result="" series.
func TestAbortDuringProbeOpenIsRecorded(t *testing.T) {
	r := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8"})
	entered, release := make(chan struct{}), make(chan struct{})
	r.st.opts.OpenProbe = func(ctx context.Context, f discover.Found) (drivers.Probe, error) {
		close(entered)
		<-release // the USB open completes a moment after the abort
		return fakeProbe{f}, nil
	}
	if res := r.st.Cycle("api"); !res.Started {
		t.Fatal(res)
	}
	<-entered
	got := r.st.Abort("")
	close(release)
	r.waitFor(t, "cycle end", r.st.Idle)
	list := allAttempts(t, r)
	if len(list) != 1 {
		t.Errorf("abort during probe open (Abort returned %v): %d attempts in the store, want 1", got, len(list))
	}
	if n := testutil.ToFloat64(r.st.m.attempts.WithLabelValues("", "bluepill", "S01")); n != 0 {
		t.Errorf("flashstation_attempts_total{result=\"\"} = %v", n)
	}
	if v := r.slot("S01"); v.Reason == "" && v.State == StateError {
		t.Errorf("slot shows %s with no reason", v.State)
	}
}

// failingStore refuses to begin attempts (disk full, read-only remount).
type failingStore struct{ *jobs.Store }

func (failingStore) Begin(context.Context, *jobs.Attempt) error {
	return errors.New("jobs: begin attempt: write journal: no space left on device")
}

func TestStoreBeginFailureIsNamed(t *testing.T) {
	r := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8"})
	r.st.opts.Store = failingStore{r.store}
	r.cycle(t)
	v := r.slot("S01")
	if v.State != StateError || !strings.Contains(v.Reason+v.Detail, "no space left") {
		t.Errorf("slot after a store failure: %s reason %q detail %q", v.State, v.Reason, v.Detail)
	}
	if n := testutil.ToFloat64(r.st.m.attempts.WithLabelValues("", "bluepill", "S01")); n != 0 {
		t.Errorf("flashstation_attempts_total{result=\"\"} = %v", n)
	}
}

// blockQuery holds the worker between two tries (observe -> firstOfUnit).
type blockQuery struct {
	*jobs.Store
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func (b *blockQuery) Query(ctx context.Context, f jobs.Filter) ([]*jobs.Attempt, error) {
	if f.UID != "" {
		b.once.Do(func() { close(b.entered); <-b.release })
	}
	return b.Store.Query(ctx, f)
}

// An operator abort between a failed try and its retry stops the retries
// too, as Abort reports.
func TestAbortBetweenRetriesStopsTheRetries(t *testing.T) {
	r := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8", retries: 2})
	bq := &blockQuery{Store: r.store, entered: make(chan struct{}), release: make(chan struct{})}
	r.st.opts.Store = bq
	r.setBehave("MCULINK01001", func(ctx context.Context, op string) error {
		if op == "program" {
			return fmt.Errorf("usb: %w", link.ErrTimeout)
		}
		return nil
	})
	r.st.Cycle("api")
	<-bq.entered // the first try has ended; the retry is next
	got := r.st.Abort("")
	close(bq.release)
	r.waitFor(t, "cycle end", r.st.Idle)
	list := allAttempts(t, r)
	if len(got) == 1 && len(list) > 1 {
		t.Errorf("Abort reported %v, yet %d attempts ran after it (want the retries skipped)", got, len(list)-1)
	}
}

// A press followed at once by an abort (both from the page or the API)
// must stop the slot although its attempt has not begun yet.
func TestAbortRightAfterPressStopsTheSlot(t *testing.T) {
	// program returns only when the attempt is cancelled (or its 300 ms
	// deadline passes), so every abort below comes while the slot is busy.
	r := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8", noSync: true, deadline: 300 * time.Millisecond})
	r.setBehave("MCULINK01001", holdInProgram)
	lost := 0
	for i := 0; i < 10; i++ {
		if res := r.st.Cycle("api"); !res.Started {
			t.Fatal(res)
		}
		if got := r.st.Abort(""); len(got) == 0 {
			lost++
		}
		r.waitFor(t, "cycle end", r.st.Idle)
	}
	if lost > 0 {
		t.Errorf("%d of 10 aborts sent right after a press stopped nothing (Abort returned []; the attempt ran to its deadline)", lost)
	}
}

// The "cycle started" event must come before that cycle's slot events and
// its "ended" event: the page shows "Cycle N: flashing…" otherwise forever.
func TestCycleStartedEventComesFirst(t *testing.T) {
	r := newRig(t, rigOpts{spec: "4*cmsis-dap-v2:stm32f103c8", noSync: true})
	bad := 0
	for i := 0; i < 40; i++ {
		ch, cancel := r.st.Events()
		res := r.st.Cycle("api")
		r.waitFor(t, "cycle end", r.st.Idle)
		cancel()
		for m := range ch {
			if m.Event == "slot" && strings.Contains(string(m.Data), `"state":"running"`) {
				bad++
				break
			}
			if m.Event == "cycle" {
				if !strings.Contains(string(m.Data), `"state":"started"`) {
					bad++
				}
				break
			}
		}
		_ = res
	}
	if bad > 0 {
		t.Errorf("%d of 40 cycles: a slot event or the cycle's end was published before \"started\"", bad)
	}
}

// API errors are documented as {"error": "..."} JSON with 404/405.
func TestUnknownAPIPathAndMethodAreJSON(t *testing.T) {
	r := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8"})
	r.st.opts.LoopbackOnly = true
	// With the operator page served at GET /, as serve does.
	r.st.opts.Page = fstest.MapFS{"index.html": &fstest.MapFile{Data: []byte("<html>page</html>")}}
	srv := httptest.NewServer(r.st.Handler(r.reg))
	defer srv.Close()
	for _, tc := range []struct{ method, path string }{{"GET", "/api/slot"}, {"POST", "/api/slots"}, {"GET", "/api/cycle"}, {"PUT", "/api/abort"}} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		bufio.NewReader(resp.Body).WriteTo(&b)
		resp.Body.Close()
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !strings.Contains(b.String(), `"error"`) {
			t.Errorf("%s %s: %d %s %q, want a JSON {\"error\"}", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), b.String())
		}
	}
}

// A typo in the abort body ("slto") is refused, not taken as "every slot".
func TestAbortBodyWithUnknownFieldIsRefused(t *testing.T) {
	r := newRig(t, rigOpts{spec: "2*cmsis-dap-v2:stm32f103c8"})
	r.st.opts.LoopbackOnly = true
	r.setBehave("MCULINK01001", holdInProgram)
	r.setBehave("MCULINK01002", holdInProgram)
	srv := httptest.NewServer(r.st.Handler(r.reg))
	defer srv.Close()
	r.st.Cycle("api")
	r.waitFor(t, "both programming", func() bool { return r.slot("S01").Step == "program" && r.slot("S02").Step == "program" })
	resp, err := http.Post(srv.URL+"/api/abort", "application/json", strings.NewReader(`{"slto": "S01"}`))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	bufio.NewReader(resp.Body).WriteTo(&b)
	resp.Body.Close()
	r.st.Abort("")
	r.waitFor(t, "cycle end", r.st.Idle)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf(`POST /api/abort {"slto": "S01"}: %d %s; want 400 naming the unknown field`, resp.StatusCode, b.String())
	}
}

// After a hung attempt finally returns, the slot is ready again and the
// page must say so instead of "slot hung".
func TestHungSlotViewAfterItReturns(t *testing.T) {
	r := newRig(t, rigOpts{spec: "2*cmsis-dap-v2:stm32f103c8", deadline: 100 * time.Millisecond})
	hang := make(chan struct{})
	r.setBehave("MCULINK01001", func(ctx context.Context, op string) error {
		if op == "program" {
			<-hang
		}
		return nil
	})
	r.cycle(t)
	close(hang)
	r.waitFor(t, "hung attempt returned", func() bool { return !r.st.byName["S01"].isStuck() })
	time.Sleep(50 * time.Millisecond)
	if v := r.slot("S01"); v.State == StateError {
		t.Errorf("slot S01 is claimable again but still shows %s %q", v.State, v.Reason)
	}
}

// Stopping the station ends running attempts as aborted, saying why.
func TestStopRecordsRunningAttemptsAsStopping(t *testing.T) {
	r := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8"})
	r.setBehave("MCULINK01001", holdInProgram)
	r.st.Cycle("api")
	r.waitFor(t, "programming", func() bool { return r.slot("S01").Step == "program" })
	r.cancel()
	<-r.done
	list, err := r.store.Query(context.Background(), jobs.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Result != jobs.Aborted || !strings.HasPrefix(list[0].Error, "station stopping") {
		t.Fatalf("attempt stopped with the station: %d recorded, %+v", len(list), list)
	}
}

// On a loopback-only listener (no token) a page of another site must not
// drive the station: by a rebound host name, or by a cross-site POST.
func TestLoopbackListenerRefusesOtherSites(t *testing.T) {
	r := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8"})
	r.st.opts.LoopbackOnly = true
	srv := httptest.NewServer(r.st.Handler(r.reg))
	defer srv.Close()
	do := func(method, path, host, origin, site string) int {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		if host != "" {
			req.Host = host
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if site != "" {
			req.Header.Set("Sec-Fetch-Site", site)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, tc := range []struct {
		name               string
		method, path       string
		host, origin, site string
		want               int
	}{
		{"rebound name", "GET", "/api/backup", "evil.example:8080", "", "", http.StatusForbidden},
		{"rebound name, slots", "GET", "/api/slots", "evil.example", "", "", http.StatusForbidden},
		{"cross-site press", "POST", "/api/cycle", "", "http://evil.example", "", http.StatusForbidden},
		{"opaque origin press", "POST", "/api/abort", "", "null", "", http.StatusForbidden},
		{"localhost name", "GET", "/api/slots", "localhost:" + strings.Split(host, ":")[1], "", "", http.StatusOK},
		{"cross-site navigation to the backup", "GET", "/api/backup", "", "", "cross-site", http.StatusForbidden},
		{"cross-site press, no Origin", "POST", "/api/abort", "", "", "same-site", http.StatusForbidden},
		{"same-origin press", "POST", "/api/abort", "", srv.URL, "same-origin", http.StatusOK},
		{"curl press (no Origin)", "POST", "/api/abort", "", "", "", http.StatusOK},
	} {
		if got := do(tc.method, tc.path, tc.host, tc.origin, tc.site); got != tc.want {
			t.Errorf("%s: %s %s (Host %q, Origin %q, Sec-Fetch-Site %q) = %d, want %d", tc.name, tc.method, tc.path, tc.host, tc.origin, tc.site, got, tc.want)
		}
	}
}

// A press after the station began stopping starts nothing.
func TestPressWhileStoppingStartsNothing(t *testing.T) {
	r := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8"})
	r.cancel()
	<-r.done
	if res := r.st.Cycle("api"); res.Started || !strings.Contains(res.Reason, "stopping") {
		t.Fatalf("press after stop: %+v", res)
	}
}

// A probe that stays attached but becomes unusable mid-attempt (here a
// second probe matching the slot) ends the attempt as a station error
// naming the problem, and the tile keeps showing that problem.
func TestProbeUnusableMidAttemptIsNamed(t *testing.T) {
	// No rescans: the scan would clear the problem this test injects.
	r := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8", scanEvery: time.Hour})
	w := r.st.byName["S01"]
	const problem = "several probes match usb:1-1: select one by port"
	r.setBehave("MCULINK01001", func(ctx context.Context, op string) error {
		if op == "program" {
			w.mu.Lock()
			f := *w.found
			w.mu.Unlock()
			w.setProbe(&f, problem)
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	})
	r.st.Cycle("api")
	r.waitFor(t, "cycle end", r.st.Idle)
	list := allAttempts(t, r)
	if len(list) != 1 || list[0].Result != jobs.Error || !strings.HasPrefix(list[0].Error, problem) {
		t.Fatalf("attempt: %+v", list)
	}
	if v := r.slot("S01"); v.State != StateError || v.Reason != problem {
		t.Errorf("slot after the attempt: %s %q, want error %q", v.State, v.Reason, problem)
	}
}
