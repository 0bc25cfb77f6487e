package recipes

import (
	"fmt"
	"github.com/flashstation/flashstation/recipes/tomlpos"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// doc is a decoded TOML document with the positions of its keys, and the
// problems found so far.
type doc struct {
	file     string
	pos      map[string]tomlpos.Position
	problems Problems
}

func (d *doc) addf(path string, format string, args ...any) {
	p := &Problem{File: d.file, Field: path, Msg: fmt.Sprintf(format, args...)}
	if at, ok := d.lookup(path); ok {
		p.Line, p.Col = at.Line, at.Col
	}
	d.problems = append(d.problems, p)
}

// lookup finds the position of path, or of its nearest enclosing table.
func (d *doc) lookup(path string) (tomlpos.Position, bool) {
	for p := path; p != ""; {
		if at, ok := d.pos[p]; ok {
			return at, true
		}
		i := strings.LastIndexAny(p, ".")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return tomlpos.Position{}, false
}

// table walks one TOML table, taking typed fields and remembering which
// keys were used so unknown ones can be reported.
type table struct {
	d    *doc
	path string // "" for the top level, "firmware", "step[2]"
	m    map[string]any
	used map[string]bool
}

func (d *doc) table(path string, m map[string]any) *table {
	return &table{d: d, path: path, m: m, used: map[string]bool{}}
}

func (t *table) key(k string) string {
	if t.path == "" {
		return k
	}
	return t.path + "." + k
}

func (t *table) has(k string) bool { _, ok := t.m[k]; return ok }

func (t *table) get(k string) (any, bool) {
	v, ok := t.m[k]
	if ok {
		t.used[k] = true
	}
	return v, ok
}

func (t *table) str(k string, required bool) string {
	v, ok := t.get(k)
	if !ok {
		if required {
			t.d.addf(t.key(k), "is required")
		}
		return ""
	}
	s, isStr := v.(string)
	if !isStr {
		t.d.addf(t.key(k), "must be a string, not %s", tomlType(v))
	}
	return s
}

// integer reads a whole number within [lo, hi].
func (t *table) integer(k string, lo, hi int64) (int64, bool) {
	v, ok := t.get(k)
	if !ok {
		return 0, false
	}
	n, isInt := v.(int64)
	if !isInt {
		t.d.addf(t.key(k), "must be a whole number, not %s", tomlType(v))
		return 0, false
	}
	if n < lo || n > hi {
		t.d.addf(t.key(k), "%d is out of range %d..%d", n, lo, hi)
		return 0, false
	}
	return n, true
}

func (t *table) address(k string) (uint32, bool) {
	n, ok := t.integer(k, 0, math.MaxUint32)
	return uint32(n), ok
}

func (t *table) boolean(k string) bool {
	v, ok := t.get(k)
	if !ok {
		return false
	}
	b, isBool := v.(bool)
	if !isBool {
		t.d.addf(t.key(k), "must be true or false, not %s", tomlType(v))
	}
	return b
}

// duration reads "30s", "2m" style strings.
func (t *table) duration(k string, max time.Duration) (time.Duration, bool) {
	s := t.str(k, false)
	if s == "" {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		t.d.addf(t.key(k), "%q is not a duration (write e.g. \"30s\" or \"2m\")", s)
		return 0, false
	case d <= 0 || d > max:
		t.d.addf(t.key(k), "%s is out of range (more than 0, at most %s)", d, max)
		return 0, false
	}
	return d, true
}

func (t *table) subtable(k string) (*table, bool) {
	v, ok := t.get(k)
	if !ok {
		return nil, false
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		t.d.addf(t.key(k), "must be a table ([%s]), not %s", k, tomlType(v))
		return nil, false
	}
	return t.d.table(t.key(k), m), true
}

// done reports keys the table had that nothing asked for.
func (t *table) done(known ...string) {
	var unknown []string
	for k := range t.m {
		if !t.used[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Slice(unknown, func(i, j int) bool {
		pi, _ := t.d.lookup(t.key(unknown[i]))
		pj, _ := t.d.lookup(t.key(unknown[j]))
		return pi.Line < pj.Line
	})
	for _, k := range unknown {
		if slices.Contains(known, k) {
			t.d.addf(t.key(k), "does not apply here")
			continue
		}
		if len(known) > 0 {
			t.d.addf(t.key(k), "unknown key (known here: %s)", strings.Join(known, ", "))
		} else {
			t.d.addf(t.key(k), "unknown key")
		}
	}
}

func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "a number"
	case float64:
		return "a fractional number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	case []map[string]any:
		return "an array of tables"
	}
	return fmt.Sprintf("a %T", v)
}
