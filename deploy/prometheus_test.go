package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// promtool finds Prometheus' checker. Without it these tests skip loudly,
// or fail when FLASHSTATION_REQUIRE_PROMTOOL=1 (CI sets it).
func promtool(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("promtool"); err == nil {
		return p
	}
	msg := "promtool not found: the Prometheus configuration and rules are NOT checked (install it: apt-get install -y prometheus)"
	if os.Getenv("FLASHSTATION_REQUIRE_PROMTOOL") == "1" {
		t.Fatal(msg)
	}
	t.Skip("SKIPPED: " + msg)
	return ""
}

// TestPromtool: the scrape configuration and both rule files load, and
// the rules pass their unit tests (tests.yml: each alert fires on its
// trouble and stays quiet on a healthy station; the recording rules give
// the expected yields and units per hour).
func TestPromtool(t *testing.T) {
	bin := promtool(t)
	for _, args := range [][]string{
		{"check", "config", "prometheus.yml"},
		{"check", "rules", "flashstation.rules.yml", "flashstation.alerts.yml"},
		{"test", "rules", "tests.yml"},
	} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = "prometheus"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// pendingMetrics are series the rules and dashboard use that the station
// does not register yet, with what they should be. The test fails once the
// station registers one, so this list cannot go stale.
var pendingMetrics = map[string]string{}

var (
	metricRE   = regexp.MustCompile(`\b(?:[a-z_]+:)?flashstation_[a-z0-9_]+(?::[a-z0-9_]+)?\b`)
	registerRE = regexp.MustCompile(`Name:\s*"(flashstation_[a-z0-9_]+)"`)
	recordRE   = regexp.MustCompile(`(?m)^\s*- record:\s*(\S+)`)
)

// stationMetrics reads the metric names station/metrics*.go registers.
func stationMetrics(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("../station/metrics*.go")
	more, _ := filepath.Glob("../central/metrics*.go") // the forwarder's
	files = append(files, more...)
	if err != nil || len(files) == 0 {
		t.Fatalf("station metrics source not found: %v", err)
	}
	names := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range registerRE.FindAllSubmatch(data, -1) {
			names[string(m[1])] = true
		}
	}
	if !names["flashstation_attempts_total"] {
		t.Fatalf("no flashstation_attempts_total in %v: has the registration moved?", files)
	}
	return names
}

// knownMetric says whether name is a series the station exports (a
// histogram's _bucket, _sum, _count too) or a recording rule defines.
func knownMetric(name string, station, recorded map[string]bool) bool {
	if station[name] || recorded[name] {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && station[base] {
			return true
		}
	}
	return false
}

func recordedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	data, err := os.ReadFile("prometheus/flashstation.rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, m := range recordRE.FindAllSubmatch(data, -1) {
		out[string(m[1])] = true
	}
	return out
}

// checkNames reports every flashstation metric in text that neither the
// station nor a recording rule provides, and returns the names it saw.
func checkNames(t *testing.T, where, text string, station, recorded map[string]bool) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	for _, name := range metricRE.FindAllString(text, -1) {
		seen[name] = true
		if !knownMetric(name, station, recorded) && pendingMetrics[name] == "" {
			t.Errorf("%s uses %s, which the station does not export and no recording rule defines", where, name)
		}
	}
	return seen
}

// TestRulesUseRealMetrics: a renamed metric would leave an alert that can
// never fire; this ties the rules to station/metrics.go.
func TestRulesUseRealMetrics(t *testing.T) {
	station, recorded := stationMetrics(t), recordedMetrics(t)
	for _, f := range []string{"prometheus/flashstation.rules.yml", "prometheus/flashstation.alerts.yml"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkNames(t, f, string(data), station, recorded)
	}
	var late []string
	for name := range pendingMetrics {
		if station[name] {
			late = append(late, name)
		}
	}
	sort.Strings(late)
	for _, name := range late {
		t.Errorf("the station registers %s now: drop it from pendingMetrics", name)
	}
	for name, want := range pendingMetrics {
		if !station[name] {
			t.Logf("NOTE: %s is not registered by the station yet (%s); its panels and rules stay empty until it is", name, want)
		}
	}
}
