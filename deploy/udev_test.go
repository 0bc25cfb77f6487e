package deploy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const rulesFile = "udev/60-flashstation.rules"

// rule is one line of a udev rules file as KEY OP "VALUE" terms.
type rule struct {
	line  int
	terms []term
}

type term struct{ key, op, value string }

var termRE = regexp.MustCompile(`^\s*([A-Z_]+(?:\{[^}]*\})?)\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*(?:,|$)`)

// udevKeys are the keys these rules may use (udev(7)); a typo such as
// ATTR{idVendor} on a hidraw node or SUBSYTEM silently matches nothing.
var udevKeys = regexp.MustCompile(`^(ACTION|SUBSYSTEM|SUBSYSTEMS|KERNEL|DEVTYPE|ATTR\{[a-z_]+\}|ATTRS\{[a-zA-Z_]+\}|ENV\{[A-Z_]+\}|MODE|GROUP|SYMLINK|GOTO|LABEL|IMPORT\{builtin\}|TAG)$`)

func readRules(t *testing.T) []rule {
	t.Helper()
	data, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var out []rule
	for i, line := range strings.Split(string(data), "\n") {
		rest := strings.TrimSpace(line)
		if rest == "" || rest[0] == '#' {
			continue
		}
		r := rule{line: i + 1}
		for rest != "" {
			m := termRE.FindStringSubmatch(rest)
			if m == nil {
				t.Fatalf("%s:%d: cannot read %q", rulesFile, i+1, rest)
			}
			r.terms = append(r.terms, term{m[1], m[2], m[3]})
			rest = strings.TrimSpace(rest[len(m[0]):])
		}
		out = append(out, r)
	}
	return out
}

func (r rule) get(key, op string) (string, bool) {
	for _, x := range r.terms {
		if x.key == key && x.op == op {
			return x.value, true
		}
	}
	return "", false
}

// TestRulesWellFormed: known keys only, matches use == or !=, every GOTO
// has its LABEL, and every node the rules open up is 0660 to a group
// (plugdev for probes, input for pedals) — never world-writable.
func TestRulesWellFormed(t *testing.T) {
	rules := readRules(t)
	labels := map[string]bool{}
	for _, r := range rules {
		if v, ok := r.get("LABEL", "="); ok {
			labels[v] = true
		}
	}
	for _, r := range rules {
		for _, x := range r.terms {
			if !udevKeys.MatchString(x.key) {
				t.Errorf("%s:%d: unknown key %s", rulesFile, r.line, x.key)
			}
			if x.key == "GOTO" && !labels[x.value] {
				t.Errorf("%s:%d: GOTO %q has no LABEL", rulesFile, r.line, x.value)
			}
		}
		mode, hasMode := r.get("MODE", "=")
		group, hasGroup := r.get("GROUP", "=")
		if hasMode != hasGroup {
			t.Errorf("%s:%d: MODE and GROUP must come together", rulesFile, r.line)
		}
		if hasMode && mode != "0660" {
			t.Errorf("%s:%d: MODE %q, want 0660", rulesFile, r.line, mode)
		}
		if hasGroup && group != "plugdev" && group != "input" {
			t.Errorf("%s:%d: GROUP %q, want plugdev or input", rulesFile, r.line, group)
		}
	}
}

// TestEveryProbeHasARule reads the probe tables of drivers/discover (the
// station's own list of what it can drive) and wants a plugdev rule for
// each VID:PID, so adding a probe there without its rule fails here.
func TestEveryProbeHasARule(t *testing.T) {
	covered := map[[2]string]bool{}
	vendorWide := map[string]bool{}
	for _, r := range readRules(t) {
		if g, _ := r.get("GROUP", "="); g != "plugdev" {
			continue
		}
		vid, ok := r.get("ATTRS{idVendor}", "==")
		if !ok {
			continue
		}
		if pid, ok := r.get("ATTRS{idProduct}", "=="); ok {
			covered[[2]string{vid, pid}] = true
		} else {
			vendorWide[vid] = true
		}
	}
	ids := discoverIDs(t)
	if len(ids) < 15 {
		t.Fatalf("found only %d probe IDs in drivers/discover: has the table moved?", len(ids))
	}
	for _, id := range ids {
		if !covered[id] && !vendorWide[id[0]] {
			t.Errorf("probe %s:%s (drivers/discover) has no udev rule", id[0], id[1])
		}
	}
	if !vendorWide["1366"] {
		t.Error("no rule for SEGGER J-Link (1366, every product ID)")
	}
}

// discoverIDs pulls the VID:PID pairs out of drivers/discover/classify.go:
// the ST-Link PID map keys and the known CMSIS-DAP pairs.
func discoverIDs(t *testing.T) [][2]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../drivers/discover/classify.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	hex := func(e ast.Expr) string {
		lit, ok := e.(*ast.BasicLit)
		if !ok {
			return ""
		}
		n, err := strconv.ParseUint(lit.Value, 0, 16)
		if err != nil {
			return ""
		}
		return strconv.FormatUint(n|0x10000, 16)[1:]
	}
	var out [][2]string
	ast.Inspect(f, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok || len(spec.Names) != 1 || len(spec.Values) != 1 {
			return true
		}
		lit, ok := spec.Values[0].(*ast.CompositeLit)
		if !ok {
			return true
		}
		switch spec.Names[0].Name {
		case "stlinkPIDs":
			for _, el := range lit.Elts {
				out = append(out, [2]string{"0483", hex(el.(*ast.KeyValueExpr).Key)})
			}
		case "knownCMSISDAP":
			for _, el := range lit.Elts {
				pair := el.(*ast.CompositeLit).Elts
				out = append(out, [2]string{hex(pair[0]), hex(pair[1])})
			}
		}
		return true
	})
	return out
}

// TestPedalsGetStableLinks: each pedal line only marks the device, and one
// rule gives marked evdev nodes the input group and the
// /dev/input/flashstation-pedal-<port> link station.toml names.
func TestPedalsGetStableLinks(t *testing.T) {
	marked, linked := 0, false
	for _, r := range readRules(t) {
		if v, ok := r.get("ENV{FLASHSTATION_PEDAL}", "="); ok && v == "1" {
			marked++
			if _, ok := r.get("ATTRS{idProduct}", "=="); !ok {
				t.Errorf("%s:%d: a pedal rule must name VID and PID", rulesFile, r.line)
			}
		}
		if link, ok := r.get("SYMLINK", "+="); ok {
			if link != "input/flashstation-pedal-$env{ID_PATH_TAG}" {
				t.Errorf("%s:%d: SYMLINK %q", rulesFile, r.line, link)
			}
			if g, _ := r.get("GROUP", "="); g != "input" {
				t.Errorf("%s:%d: pedal nodes must go to group input", rulesFile, r.line)
			}
			linked = true
		}
	}
	if marked < 5 || !linked {
		t.Errorf("%d pedal kinds marked, link rule present %v", marked, linked)
	}
}
