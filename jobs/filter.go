package jobs

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Filter selects attempts. Zero fields match everything. Since and Until
// compare the attempt's id time (its start, kept monotonic within a file).
type Filter struct {
	UID     string    // normalised unit UID (NormalizeUID)
	Since   time.Time // inclusive
	Until   time.Time // exclusive
	Results []Result  // any of these
	Recipe  string
	Slot    string
	Limit   int  // at most this many attempts; 0 is no limit
	Newest  bool // newest first instead of oldest first
}

func (f *Filter) match(a *Attempt) bool {
	if f.UID != "" && a.UnitUID != f.UID {
		return false
	}
	if f.Recipe != "" && a.Recipe != f.Recipe {
		return false
	}
	if f.Slot != "" && a.Slot != f.Slot {
		return false
	}
	if len(f.Results) == 0 {
		return true
	}
	for _, r := range f.Results {
		if a.Result == r {
			return true
		}
	}
	return false
}

// inRange reports whether id lies in [Since, Until).
func (f *Filter) inRange(id ID) bool {
	t := int64(id)
	if !f.Since.IsZero() && t < boundNanos(f.Since) {
		return false
	}
	return f.Until.IsZero() || t < boundNanos(f.Until)
}

// boundNanos is t.UnixNano saturated at the ends of int64: UnixNano is
// undefined outside 1677-09-21..2262-04-11, and a bound there wrapped round
// (since 2300 matched every attempt instead of none).
func boundNanos(t time.Time) int64 {
	switch {
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	}
	return t.UnixNano()
}

// seekID is the first id at or after a bound's instant (0 before 1970).
func seekID(t time.Time) ID {
	if n := boundNanos(t); n > 0 {
		return ID(n)
	}
	return 0
}

// ParseTimeBound reads a --since/--until value: an RFC 3339 time
// ("2025-03-01T08:00:00Z"), a date ("2025-03-01": midnight in now's time
// zone, the station's local day, as its "today" counts), or a duration
// back from now ("90m", "24h", "7d").
func ParseTimeBound(s string, now time.Time) (time.Time, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return time.Time{}, fmt.Errorf("jobs: empty time (want RFC 3339, YYYY-MM-DD, or a duration such as 24h or 7d)")
	}
	if v, err := time.Parse(time.RFC3339Nano, t); err == nil {
		return v, nil
	}
	if v, err := time.ParseInLocation(time.DateOnly, t, now.Location()); err == nil {
		return v, nil
	}
	d, err := parseAgo(t)
	if err != nil {
		return time.Time{}, fmt.Errorf("jobs: time %q is not RFC 3339, YYYY-MM-DD, or a duration such as 24h or 7d", s)
	}
	return now.Add(-d), nil
}

// parseAgo is time.ParseDuration plus a whole-days form ("7d"), because
// QA thinks in days. Negative durations would point into the future.
func parseAgo(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseUint(days, 10, 16)
		if err != nil {
			return 0, err
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d < 0 {
		return 0, fmt.Errorf("negative")
	}
	return d, nil
}

// ParseResults reads a comma-separated list of results ("fail,error").
func ParseResults(s string) ([]Result, error) {
	var out []Result
	for _, part := range strings.Split(s, ",") {
		r, err := ParseResult(part)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
