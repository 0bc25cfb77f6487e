package station

import (
	"regexp"
	"strings"

	"github.com/flashstation/flashstation/jobs"
)

// An error chain reads "connect: native: STM32F103C8: access: …: stlink: no
// target answers: is a board seated…": right for records, too long for a
// tile read from three metres. plainReason picks what an operator can act
// on; the full text stays in the record and in SlotView.Detail.
var (
	reVerifyAt = regexp.MustCompile(`verify failed at (0x[0-9A-Fa-f]+)`)
	reExpected = regexp.MustCompile(`expected ([^:]+?), found ([^:]+?)(:|$)`)
)

type rule struct {
	match func(s string) bool
	say   func(step, s string) string
}

func has(sub ...string) func(string) bool {
	return func(s string) bool {
		l := strings.ToLower(s)
		for _, x := range sub {
			if strings.Contains(l, x) {
				return true
			}
		}
		return false
	}
}

func fixed(msg string) func(string, string) string { return func(string, string) string { return msg } }

var rules = []rule{
	{has("probe disconnected", "out of step"), fixed("Probe disconnected: check its USB cable")},
	{has("no target answers"), fixed("No board answers: is a board seated and powered?")},
	{func(s string) bool { return reExpected.MatchString(s) }, func(_, s string) string {
		m := reExpected.FindStringSubmatch(s)
		return "Wrong board: expected " + strings.TrimSpace(m[1]) + ", found " + strings.TrimSpace(m[2])
	}},
	{func(s string) bool { return reVerifyAt.MatchString(s) }, func(_, s string) string {
		return "Verify failed at " + reVerifyAt.FindStringSubmatch(s)[1] + ": flash does not hold the image"
	}},
	{has("lock did not take"), fixed("Lock did not take: the chip is not protected")},
	{has("timed out after"), func(step, _ string) string { return capital(step) + " took too long (timed out)" }},
	{has("readout protection", "device protected", "is protected", "approtect"), fixed("Chip is read-protected: the recipe needs an unlock step")},
	{has("kept answering wait"), fixed("Board kept busy (WAIT): check the wiring, lower the clock")},
	{has("swd protocol error", "parity"), fixed("Signal errors on the debug wire: check the wiring, lower the clock")},
	{has("openocd"), func(step, s string) string { return "OpenOCD: " + lastClause(s) }},
}

// plainReason is the operator's line for a finished attempt.
func plainReason(a *jobs.Attempt) string {
	switch a.Result {
	case jobs.Pass:
		return ""
	case jobs.Aborted:
		return "Aborted"
	case jobs.Interrupted:
		return "Interrupted (the station stopped)"
	}
	step := a.FailedStep
	if i := strings.Index(step, "("); i >= 0 { // "step 3 (program)" -> "program"
		step = strings.TrimSuffix(step[i+1:], ")")
	}
	for _, r := range rules {
		if r.match(a.Error) {
			return r.say(step, a.Error)
		}
	}
	if step == "" {
		return capital(lastClause(a.Error))
	}
	return capital(step) + " failed: " + lastClause(a.Error)
}

// lastClause is the last ": "-separated part that says something.
func lastClause(s string) string {
	parts := strings.Split(strings.TrimSpace(s), ": ")
	for i := len(parts) - 1; i >= 0; i-- {
		if p := strings.TrimSpace(parts[i]); len(p) > 3 {
			return p
		}
	}
	return strings.TrimSpace(s)
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
