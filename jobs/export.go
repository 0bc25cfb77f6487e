package jobs

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Format is an export format.
type Format string

// Export formats: one JSON attempt per line, or one CSV row per attempt
// with its steps summarised in one column.
const (
	JSONLines Format = "jsonl"
	CSV       Format = "csv"
)

// ParseFormat reads an export format name.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case JSONLines, CSV:
		return f, nil
	case "json", "ndjson":
		return JSONLines, nil
	}
	return "", fmt.Errorf("jobs: unknown export format %q (want jsonl or csv)", s)
}

// CSVHeader names the CSV columns, in order.
var CSVHeader = []string{"id", "started", "ended", "duration_ms", "station", "slot",
	"probe_serial", "recipe", "recipe_sha256", "firmware_sha256", "unit_uid", "device_id",
	"result", "failed_step", "error", "serials", "steps", "images"}

// Export writes the attempts f selects to w and returns how many it wrote.
func (s *Store) Export(ctx context.Context, w io.Writer, format Format, f Filter) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	n := 0
	var err error
	switch format {
	case JSONLines:
		enc := json.NewEncoder(bw)
		err = s.Each(ctx, f, func(a *Attempt) error {
			n++
			return enc.Encode(a)
		})
	case CSV:
		cw := csv.NewWriter(bw)
		if err = cw.Write(CSVHeader); err != nil {
			break
		}
		err = s.Each(ctx, f, func(a *Attempt) error {
			n++
			return cw.Write(csvRow(a))
		})
		cw.Flush()
		if err == nil {
			err = cw.Error()
		}
	default:
		return 0, fmt.Errorf("jobs: unknown export format %q (want jsonl or csv)", format)
	}
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return n, fmt.Errorf("jobs: export %s: %w", format, err)
	}
	return n, nil
}

func csvRow(a *Attempt) []string {
	dur := ""
	ended := ""
	if !a.Ended.IsZero() {
		ended = a.Ended.UTC().Format(time.RFC3339Nano)
		dur = strconv.FormatInt(a.Ended.Sub(a.Started).Milliseconds(), 10)
	}
	row := []string{a.ID.String(), a.Started.UTC().Format(time.RFC3339Nano), ended, dur,
		a.Station, a.Slot, a.ProbeSerial, a.Recipe, a.RecipeSHA256, a.FirmwareSHA256,
		a.UnitUID, a.DeviceID, string(a.Result), a.FailedStep, a.Error,
		serialsSummary(a.Serials), stepsSummary(a.Steps), imagesSummary(a.Images, func(s string) string { return s })}
	// Columns 0-3 are ids, times and numbers this package writes; the rest
	// come from recipes, station.toml and devices.
	for i := 4; i < len(row); i++ {
		row[i] = csvSafe(row[i])
	}
	return row
}

// csvSafe keeps a spreadsheet from evaluating a cell as a formula (OWASP
// "CSV injection"): a cell starting with = + - @ tab or CR gets a leading
// apostrophe, which Excel and LibreOffice show as text.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// serialsSummary is "series=number(state); …".
func serialsSummary(ss []Serial) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = fmt.Sprintf("%s=%d(%s)", s.Series, s.Number, s.State)
	}
	return strings.Join(parts, "; ")
}

// stepsSummary is "name:result:ms[:tries]; …", enough to see where time
// went and what failed without the log lines.
func stepsSummary(steps []Step) string {
	parts := make([]string, len(steps))
	for i, s := range steps {
		p := fmt.Sprintf("%s:%s:%dms", s.Name, s.Result, s.Duration.Milliseconds())
		if s.Tries > 1 {
			p += fmt.Sprintf(":x%d", s.Tries)
		}
		parts[i] = p
	}
	return strings.Join(parts, "; ")
}
