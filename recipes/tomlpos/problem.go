package tomlpos

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a TOML file (a recipe, a station.toml),
// located as precisely as the file allows.
type Problem struct {
	File  string
	Line  int // 1-based; 0 when the problem has no single place
	Col   int
	Field string // e.g. "firmware.sha256", "slot[2].probe"
	Msg   string
}

func (p *Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
		if p.Col > 0 {
			fmt.Fprintf(&b, ":%d", p.Col)
		}
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is every problem found in one file, in file order.
type Problems []*Problem

func (ps Problems) Error() string {
	if len(ps) == 1 {
		return ps[0].Error()
	}
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return fmt.Sprintf("%d problems:\n%s", len(ps), strings.Join(lines, "\n"))
}

// SortByLine puts the problems in file order; those with no line go last.
func (ps Problems) SortByLine() {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Line == 0 || ps[j].Line == 0 {
			return ps[i].Line != 0 && ps[j].Line == 0
		}
		return ps[i].Line < ps[j].Line
	})
}
