package jobs

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Text output shows times in the reader's zone with the offset beside
// them (operators and QA read local time; the offset keeps a line pasted
// into a ticket unambiguous across zones and DST). JSON and CSV stay
// RFC 3339 UTC. loc is that zone: time.UTC prints +00:00; nil is time.Local.

// textTime is how text output writes an instant: "2025-03-01 09:00:00 +01:00".
const textTime = time.DateTime + " -07:00"

func zone(loc *time.Location) *time.Location {
	if loc == nil {
		return time.Local
	}
	return loc
}

// WriteTable prints attempts one per line under a header, for a terminal,
// with times in loc.
func WriteTable(w io.Writer, attempts []*Attempt, loc *time.Location) error {
	loc = zone(loc)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTARTED\tRESULT\tSLOT\tUNIT\tRECIPE\tDURATION\tFAILED STEP")
	for _, a := range attempts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Started.In(loc).Format(textTime),
			a.Result, dash(a.Slot), dash(a.UnitUID), a.Recipe, attemptDuration(a), dash(a.FailedStep))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("jobs: write table: %w", err)
	}
	return nil
}

// WriteUnit prints every attempt of one unit step by step, with each step's
// log lines indented beneath it: what QA reads when a unit comes back.
// Times are in loc: each attempt's start in full with its offset, log
// lines as the time of day in the same zone.
func WriteUnit(w io.Writer, uid string, attempts []*Attempt, loc *time.Location) error {
	loc = zone(loc)
	ew := &errWriter{w: w}
	counts := map[Result]int{}
	for _, a := range attempts {
		counts[a.Result]++
	}
	var tally []string
	for _, r := range attemptResults {
		if counts[r] > 0 {
			tally = append(tally, fmt.Sprintf("%d %s", counts[r], r))
		}
	}
	ew.printf("unit %s: %d attempt%s (%s)\n", uid, len(attempts), plural(len(attempts)), strings.Join(tally, ", "))
	for _, a := range attempts {
		ew.printf("\nattempt %s  %s  %s  %s\n", a.ID, strings.ToUpper(string(a.Result)),
			a.Started.In(loc).Format(textTime), attemptDuration(a))
		ew.printf("  station %s  slot %s  probe %s\n", dash(a.Station), dash(a.Slot), dash(a.ProbeSerial))
		if len(a.Images) == 0 {
			ew.printf("  recipe %s (sha256 %s)  firmware sha256 %s\n", a.Recipe, short(a.RecipeSHA256), short(a.FirmwareSHA256))
		} else {
			ew.printf("  recipe %s (sha256 %s)  images %s\n", a.Recipe, short(a.RecipeSHA256), imagesSummary(a.Images, short))
		}
		if a.DeviceID != "" {
			ew.printf("  device id %s\n", a.DeviceID)
		}
		for _, s := range a.Serials {
			ew.printf("  serial %s=%d (%s)\n", s.Series, s.Number, s.State)
		}
		if a.FailedStep != "" {
			ew.printf("  failed step %s\n", a.FailedStep)
		}
		if a.Error != "" {
			ew.printf("  error: %s\n", a.Error)
		}
		for _, s := range a.Steps {
			ew.printf("  %-12s %-8s %8s", s.Name, s.Result, s.Duration.Round(time.Millisecond))
			if s.Tries > 1 {
				ew.printf("  tries %d", s.Tries)
			}
			if s.Bytes > 0 {
				ew.printf("  %d bytes", s.Bytes)
			}
			if s.Error != "" {
				ew.printf("  error: %s", s.Error)
			}
			ew.printf("\n")
			for _, l := range s.Log {
				ew.printf("      %s %-5s %s\n", l.Time.In(loc).Format("15:04:05.000"), l.Level, l.Msg)
			}
		}
	}
	if ew.err != nil {
		return fmt.Errorf("jobs: write unit %s: %w", uid, ew.err)
	}
	return nil
}

func attemptDuration(a *Attempt) string {
	if a.Ended.IsZero() {
		return "-"
	}
	return a.Ended.Sub(a.Started).Round(time.Millisecond).String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// short shows the first 12 hex digits of a hash, as git does.
func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return dash(h)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// errWriter keeps the first write error so printing code stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// imagesSummary lists a multi-image attempt's images: "boot=1a2b… app=3c4d…"
// with each sha256 as sum renders it.
func imagesSummary(images []Image, sum func(string) string) string {
	parts := make([]string, len(images))
	for i, im := range images {
		parts[i] = im.Name + "=" + sum(im.SHA256)
	}
	return strings.Join(parts, " ")
}
