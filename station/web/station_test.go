package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flashstation/flashstation/drivers/discover"
	"github.com/flashstation/flashstation/drivers/sim"
	"github.com/flashstation/flashstation/fixtures"
	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/recipes"
	"github.com/flashstation/flashstation/recipes/examples"
	"github.com/flashstation/flashstation/station"
	_ "github.com/flashstation/flashstation/targets/native/all" // every chip family
)

// e2eSpec: two Black Pills on CMSIS-DAP v2, a Blue Pill on an ST-Link V2,
// and an ST-Link V2 whose nest is empty — three boards to pass, one slot
// to fail with a reason an operator can act on.
const e2eSpec = "2*cmsis-dap-v2:stm32f411ce,stlink-v2:stm32f103c8,stlink-v2:stm32f103c8+empty"

// liveStation runs the real station — real drivers, real chip families,
// the example recipes — on a simulated fixture in instant time, and serves
// its HTTP handler (API, events and this package's page) on 127.0.0.1.
func liveStation(t *testing.T, spec string) (*station.Station, *httptest.Server) {
	t.Helper()
	dir := t.TempDir()
	fx, err := sim.New(spec, sim.Options{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if err := examples.Extract(dir); err != nil {
		t.Fatal(err)
	}
	var slots []station.SlotConfig
	for i, s := range fx.Slots {
		file, err := examples.ForChip(string(s.Spec.Chip))
		if err != nil {
			t.Fatal(err)
		}
		r, err := recipes.Load(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		sel, err := discover.ParseSelector(s.Probe.Port())
		if err != nil {
			t.Fatal(err)
		}
		slots = append(slots, station.SlotConfig{Recipe: r, Slot: fixtures.Slot{Name: fmt.Sprintf("A%d", i+1), Probe: sel,
			Recipe: r.File, Place: fixtures.Place{Row: 1, Col: i + 1}, RetryOn: []jobs.Result{jobs.Error}}})
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := jobs.Open(filepath.Join(dir, "attempts.db"), jobs.Options{Logger: quiet, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	st, err := station.New(station.Options{Name: "e2e", Slots: slots, Bus: fx.Bus, Store: store, Registry: reg, Log: quiet,
		ScanInterval: 20 * time.Millisecond, Page: FS, LoopbackOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		st.Run(ctx)
		close(done)
	}()
	srv := httptest.NewServer(st.Handler(reg))
	// Close the server (and its event streams) first, then stop the
	// workers, then the store: the station's own shutdown order.
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		cancel()
		<-done
		store.Close()
	})
	return st, srv
}

func pageHeader(t *testing.T, url, name string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get(name)
}

// TestStationCycleEndToEnd: the operator clicks START on the page served
// by the real station; the page must end up showing, slot by slot, what
// the station recorded: pass with the unit's UID, or fail with the
// station's own plain-words reason.
func TestStationCycleEndToEnd(t *testing.T) {
	st, srv := liveStation(t, e2eSpec)
	p := load(t, srv.URL, 4)
	p.wait("every slot ready", `[...document.querySelectorAll(".tile")].every(el => el.dataset.state === "idle")`)
	p.run(chromedp.Click("#start", chromedp.ByID))
	p.wait("the cycle's end", `document.getElementById("cycle").textContent.startsWith("Cycle 1 done")`)

	want := map[string]station.SlotView{}
	for _, v := range st.Slots() {
		want[v.Name] = v
	}
	got := p.tiles()
	for name, result := range map[string]station.State{"A1": station.StatePass, "A2": station.StatePass, "A3": station.StatePass, "A4": station.StateFail} {
		g, w := got[name], want[name]
		if w.State != result {
			t.Fatalf("the station says %s is %s (reason %q), want %s: the fixture no longer behaves as this test assumes", name, w.State, w.Reason, result)
		}
		if g.State != string(result) {
			t.Errorf("%s: page shows %s, station says %s", name, dump(g), result)
		}
		switch result {
		case station.StatePass:
			if g.UID != "UID "+w.UnitUID || w.UnitUID == "" || g.Reason != "" {
				t.Errorf("%s: page shows %s, want UID %s and no reason", name, dump(g), w.UnitUID)
			}
		case station.StateFail:
			if g.Reason != w.Reason || w.Reason == "" {
				t.Errorf("%s: page shows reason %q, station says %q", name, g.Reason, w.Reason)
			}
		}
	}
	var line string
	p.eval(`document.getElementById("cycle").textContent`, &line)
	if line != "Cycle 1 done: 3 pass, 1 fail" {
		t.Errorf("cycle line %q", line)
	}
	// The station's /api/slots tells a reloaded page what the cycle did.
	p.reload(4)
	p.wait("the status line after a reload", `document.getElementById("cycle").textContent === "Cycle 1 done: 3 pass, 1 fail"`)
	p.wait("stats after the cycle", `document.getElementById("stat-yield").textContent === "75.0%"`)
	// The station's own content policy (no inline code, nothing from other
	// origins) must not have blocked any part of the page.
	if csp := pageHeader(t, srv.URL+"/", "Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("the page came without the station's content policy (got %q): this test no longer checks it", csp)
	}
	if v := p.policyViolations(); len(v) > 0 {
		t.Errorf("the content policy blocked parts of the page: %q", v)
	}
	p.screenshot("station-cycle.png")
	if t.Failed() {
		t.Logf("station slots: %s", dump(st.Slots()))
	}
	if strings.Contains(got["A4"].Reason, "panic") {
		t.Errorf("A4's reason reads like a crash, not advice: %q", got["A4"].Reason)
	}
}
