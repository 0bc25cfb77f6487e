package deploy

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// dashboard is the part of Grafana's dashboard model the test reads.
type dashboard struct {
	UID        string `json:"uid"`
	Title      string `json:"title"`
	Templating struct {
		List []struct {
			Name string `json:"name"`
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		ID      int    `json:"id"`
		Title   string `json:"title"`
		Type    string `json:"type"`
		GridPos struct {
			X, Y, W, H int
		} `json:"gridPos"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

// TestDashboard: valid JSON with the panels the issue asks for, laid out on
// Grafana's 24-column grid without overlaps, and every query on metrics
// the station exports or the recording rules define.
func TestDashboard(t *testing.T) {
	data, err := os.ReadFile("grafana/flashstation.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("grafana/flashstation.json: %v", err)
	}
	if d.UID == "" || d.Title == "" {
		t.Errorf("uid %q, title %q: both are needed for provisioning", d.UID, d.Title)
	}
	vars := map[string]bool{}
	for _, v := range d.Templating.List {
		vars[v.Name] = true
	}
	if !vars["datasource"] || !vars["station"] {
		t.Errorf("template variables %v: want datasource and station", vars)
	}
	titles := map[string]bool{}
	ids := map[int]bool{}
	cells := map[[2]int]string{}
	station, recorded := stationMetrics(t), recordedMetrics(t)
	for _, p := range d.Panels {
		titles[strings.ToLower(p.Title)] = true
		if ids[p.ID] {
			t.Errorf("panel id %d used twice", p.ID)
		}
		ids[p.ID] = true
		g := p.GridPos
		if g.W <= 0 || g.H <= 0 || g.X < 0 || g.X+g.W > 24 {
			t.Errorf("panel %q: gridPos %+v outside the 24-column grid", p.Title, g)
		}
		for x := g.X; x < g.X+g.W; x++ {
			for y := g.Y; y < g.Y+g.H; y++ {
				if other, ok := cells[[2]int{x, y}]; ok {
					t.Fatalf("panels %q and %q overlap at %d,%d", other, p.Title, x, y)
				}
				cells[[2]int{x, y}] = p.Title
			}
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			if !strings.Contains(q.Expr, `station=~"$station"`) {
				t.Errorf("panel %q: query %q ignores the station variable", p.Title, q.Expr)
			}
			checkNames(t, "panel "+p.Title, q.Expr, station, recorded)
		}
	}
	for _, want := range []string{"yield (1 h)", "first-pass yield (1 h)", "units per hour", "failures by step", "yield per slot (1 h)", "failures per slot", "slot states"} {
		if !titles[want] {
			t.Errorf("no panel %q", want)
		}
	}
}

// TestDashboardImportPrompt: imported through Grafana's "Import dashboard",
// the file asks for its Prometheus data source (__inputs), and every
// ${DS_…} it references is one of those inputs, so nothing is left
// pointing at a data source of the machine it was exported from.
func TestDashboardImportPrompt(t *testing.T) {
	data, err := os.ReadFile("grafana/flashstation.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Inputs []struct {
			Name, Type, PluginID string
		} `json:"__inputs"`
		Requires []struct{ Type, ID string } `json:"__requires"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	inputs := map[string]bool{}
	for _, in := range d.Inputs {
		if in.Type != "datasource" || in.PluginID != "prometheus" {
			t.Errorf("input %+v: want a prometheus datasource", in)
		}
		inputs[in.Name] = true
	}
	if len(inputs) == 0 {
		t.Fatal("no __inputs: Grafana's import would not ask for the data source")
	}
	refs := regexp.MustCompile(`\$\{(DS_[A-Z0-9_]+)\}`).FindAllStringSubmatch(string(data), -1)
	if len(refs) == 0 {
		t.Error("no ${DS_…} reference: the input would be asked for and never used")
	}
	for _, m := range refs {
		if !inputs[m[1]] {
			t.Errorf("${%s} is not an input", m[1])
		}
	}
	hasDS := false
	for _, r := range d.Requires {
		hasDS = hasDS || (r.Type == "datasource" && r.ID == "prometheus")
	}
	if !hasDS {
		t.Error("__requires does not name the prometheus data source plugin")
	}
}
