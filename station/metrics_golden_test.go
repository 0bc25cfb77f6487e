package station

import (
	"github.com/flashstation/flashstation/central"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

// TestStartupScrapeGolden: right after start-up, before any press, the
// scrape holds every counter the rules take increase() of at 0 (per slot,
// result and step) and the build's identity, exactly as the golden file
// says. Regenerate it only when a metric is meant to change, and change
// deploy/ with it (TestDeployUsesStartupSeries).
func TestStartupScrapeGolden(t *testing.T) {
	r := newRig(t, rigOpts{spec: "2*cmsis-dap-v2:stm32f103c8"})
	golden, err := os.ReadFile("testdata/startup.prom")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.ReplaceAll(string(golden), "GOVERSION", runtime.Version())
	if err := testutil.GatherAndCompare(r.reg, strings.NewReader(want), "flashstation_attempts_total",
		"flashstation_first_attempts_total", "flashstation_step_failures_total", "flashstation_build_info",
		"flashstation_cycles_total", "flashstation_probes_present", "flashstation_slot_state"); err != nil {
		t.Error(err)
	}
	// Histograms at 0 for every step of every slot, and every recipe.
	if n := testutil.CollectAndCount(r.st.m.stepDuration); n != 10 { // (connect + 4 steps) x 2 slots
		t.Errorf("%d step duration series at start-up, want 10", n)
	}
	if n := testutil.CollectAndCount(r.st.m.attemptDuration); n != 1 {
		t.Errorf("%d attempt duration series at start-up, want 1", n)
	}
}

var (
	// A raw series name: not a recording rule's level:name:operation.
	rawMetricRE = regexp.MustCompile(`(?:^|[^:a-z_])(flashstation_[a-z0-9_]+)\b`)
	selectorRE  = regexp.MustCompile(`(flashstation_[a-z0-9_]+)\{([^}]*)\}`)
	matcherRE   = regexp.MustCompile(`([a-z_]+)\s*(?:=~|!~|!=|=)`)
	byRE        = regexp.MustCompile(`by \(([^)]*)\)\s*\((?:increase|rate)?\(?(flashstation_[a-z0-9_]+)`)
)

// TestDeployUsesStartupSeries keeps the Prometheus rules, the alerts and
// the Grafana dashboard in step with what the station exports: every
// series they name exists from the first scrape, and every label they
// select or group by is one the series carries (station, job and
// instance come from the scrape; le from histograms).
func TestDeployUsesStartupSeries(t *testing.T) {
	r := newRig(t, rigOpts{spec: "2*cmsis-dap-v2:stm32f103c8"})
	// A station with [central] also exports the forwarder's series (serve
	// registers them on the same registry); building one reaches no server.
	cc, err := central.New(central.Config{URL: "postgres://db.invalid/fs", Station: "test"}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := central.NewForwarder(cc, r.store, r.reg, quiet); err != nil {
		t.Fatal(err)
	}
	mfs, err := r.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string][]string{} // series name -> its label names
	for _, mf := range mfs {
		names := []string{"station", "job", "instance"}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if !slices.Contains(names, lp.GetName()) {
					names = append(names, lp.GetName())
				}
			}
		}
		base := mf.GetName()
		labels[base] = names
		if mf.GetType() == dto.MetricType_HISTOGRAM {
			for _, suf := range []string{"_bucket", "_sum", "_count"} {
				labels[base+suf] = append(slices.Clone(names), "le")
			}
		}
	}
	for _, f := range []string{"../deploy/prometheus/flashstation.rules.yml", "../deploy/prometheus/flashstation.alerts.yml", "../deploy/grafana/flashstation.json"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(data), `\"`, `"`) // JSON-escaped queries
		used := 0
		for _, m := range rawMetricRE.FindAllStringSubmatch(text, -1) {
			used++
			if _, ok := labels[m[1]]; !ok {
				t.Errorf("%s uses %s, which the station does not export at start-up", f, m[1])
			}
		}
		if used == 0 {
			t.Errorf("%s names no flashstation series: has the pattern gone stale?", f)
		}
		for _, m := range selectorRE.FindAllStringSubmatch(text, -1) {
			for _, lm := range matcherRE.FindAllStringSubmatch(m[2], -1) {
				if have, ok := labels[m[1]]; ok && !slices.Contains(have, lm[1]) {
					t.Errorf("%s selects %s{%s}, a label it does not have (it has %v)", f, m[1], lm[1], have)
				}
			}
		}
		for _, m := range byRE.FindAllStringSubmatch(text, -1) {
			for _, l := range strings.Split(m[1], ",") {
				l = strings.TrimSpace(l)
				if have, ok := labels[m[2]]; ok && !slices.Contains(have, l) {
					t.Errorf("%s groups %s by %q, a label it does not have (it has %v)", f, m[2], l, have)
				}
			}
		}
	}
}
