package jobs

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"
)

// Result is how an attempt or a step ended.
type Result string

// Results. Running is the state between Begin and Finish; Interrupted is set
// only by crash recovery at Open, never by callers.
const (
	Running     Result = "running"
	Pass        Result = "pass"
	Fail        Result = "fail"
	Error       Result = "error"
	Aborted     Result = "aborted"
	Interrupted Result = "interrupted"
	Skipped     Result = "skipped" // a step the executor did not run
)

var attemptResults = []Result{Running, Pass, Fail, Error, Aborted, Interrupted}

// ParseResult accepts one attempt result name, case-insensitively.
func ParseResult(s string) (Result, error) {
	r := Result(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range attemptResults {
		if r == known {
			return r, nil
		}
	}
	return "", fmt.Errorf("jobs: unknown result %q (want one of running, pass, fail, error, aborted, interrupted)", s)
}

// final reports whether r may end an attempt through Finish.
func (r Result) final() bool { return r == Pass || r == Fail || r == Error || r == Aborted }

// Attempt is one run of a recipe on one board.
type Attempt struct {
	ID             ID        `json:"id"`
	Station        string    `json:"station,omitempty"`
	Slot           string    `json:"slot,omitempty"`
	ProbeSerial    string    `json:"probe_serial,omitempty"`
	Recipe         string    `json:"recipe"`
	RecipeSHA256   string    `json:"recipe_sha256,omitempty"`
	FirmwareSHA256 string    `json:"firmware_sha256,omitempty"`
	Images         []Image   `json:"images,omitempty"`    // a multi-image recipe's, instead of firmware_sha256
	UnitUID        string    `json:"unit_uid,omitempty"`  // lowercase hex, see NormalizeUID
	DeviceID       string    `json:"device_id,omitempty"` // as the read-id step reports it
	Started        time.Time `json:"started"`
	Ended          time.Time `json:"ended,omitzero"`
	Result         Result    `json:"result"`
	FailedStep     string    `json:"failed_step,omitempty"`
	Error          string    `json:"error,omitempty"` // attempt-level cause, e.g. "probe disconnected"
	Steps          []Step    `json:"steps,omitempty"`
	Serials        []Serial  `json:"serials,omitempty"` // filled by Finish from reservations
}

// Step is the outcome of one recipe step.
type Step struct {
	Name     string        `json:"name"`
	Result   Result        `json:"result"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration_ns"`
	Tries    int           `json:"tries,omitempty"`
	Error    string        `json:"error,omitempty"`
	Bytes    int64         `json:"bytes,omitempty"` // bytes erased, programmed or verified
	Log      []LogLine     `json:"log,omitempty"`
}

// LogLine is one line a step logged.
type LogLine struct {
	Time  time.Time  `json:"t"`
	Level slog.Level `json:"level"`
	Msg   string     `json:"msg"`
}

// A step keeps at most MaxStepLogLines lines of at most MaxLogMsgBytes
// each: a step that logs in a loop (a poll, a retry storm) must not grow
// its attempt past what the store takes (64 MiB a record). The record
// keeps the first lines and says how many more there were.
const (
	MaxStepLogLines = 1000
	MaxLogMsgBytes  = 4096
)

// AddLog appends one line within the limits above. Once the step has
// MaxStepLogLines-1 lines, its last line counts the lines not recorded,
// with the time and level of the latest (the most severe level seen).
func (s *Step) AddLog(l LogLine) {
	if len(l.Msg) > MaxLogMsgBytes {
		cut := MaxLogMsgBytes
		for cut > 0 && !utf8.RuneStart(l.Msg[cut]) {
			cut--
		}
		l.Msg = l.Msg[:cut] + fmt.Sprintf(" … (%d bytes cut)", len(l.Msg)-cut)
	}
	switch {
	case len(s.Log) < MaxStepLogLines-1:
		s.Log = append(s.Log, l)
	case len(s.Log) == MaxStepLogLines-1:
		s.Log = append(s.Log, LogLine{Time: l.Time, Level: l.Level, Msg: droppedLines(1)})
	default:
		last := &s.Log[len(s.Log)-1]
		var n int
		fmt.Sscanf(last.Msg, "%d", &n)
		last.Time, last.Level, last.Msg = l.Time, max(last.Level, l.Level), droppedLines(n+1)
	}
}

func droppedLines(n int) string {
	return fmt.Sprintf("%d more log lines not recorded (a step keeps %d)", n, MaxStepLogLines-1)
}

// Image names one image a multi-image recipe programs and its sha256 pin.
// Records written before multi-image recipes have none (FirmwareSHA256
// alone).
type Image struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
}

// maxImages bounds an attempt's images as recipes bound their entries.
const maxImages = 16

// Serial is a unit serial number reserved for an attempt. State is
// "committed" when the attempt passed (the number is the unit's for good),
// "burned" when it did not pass but the number may have reached the board
// (Store.Spend was called: it is never handed to another unit, only back to
// a rerun of the same unit UID), or "released" when it never left the
// station (the number goes back to be reused).
type Serial struct {
	Series string `json:"series"`
	Number uint64 `json:"number"`
	State  string `json:"state"`
}

// Serial states.
const (
	SerialCommitted = "committed"
	SerialReleased  = "released"
	SerialBurned    = "burned"
)

// Length bounds keep one bad caller from writing megabyte keys or names.
const (
	maxNameLen   = 256
	maxSeriesLen = 64
)

// validate checks the fields a caller sets and normalises the UID. It names
// the attempt field at fault.
func (a *Attempt) validate() error {
	if strings.TrimSpace(a.Recipe) == "" {
		return fmt.Errorf("jobs: attempt field recipe is empty")
	}
	for _, f := range []struct{ name, v string }{
		{"station", a.Station}, {"slot", a.Slot}, {"probe_serial", a.ProbeSerial},
		{"recipe", a.Recipe}, {"device_id", a.DeviceID}, {"failed_step", a.FailedStep},
	} {
		if len(f.v) > maxNameLen {
			return fmt.Errorf("jobs: attempt field %s is %d bytes long (at most %d)", f.name, len(f.v), maxNameLen)
		}
	}
	for _, f := range []struct{ name, v string }{
		{"recipe_sha256", a.RecipeSHA256}, {"firmware_sha256", a.FirmwareSHA256},
	} {
		if f.v != "" && !isSHA256Hex(f.v) {
			return fmt.Errorf("jobs: attempt field %s %q is not 64 hex digits", f.name, f.v)
		}
	}
	if len(a.Images) > maxImages {
		return fmt.Errorf("jobs: attempt field images has %d entries (at most %d)", len(a.Images), maxImages)
	}
	for i, im := range a.Images {
		if strings.TrimSpace(im.Name) == "" || len(im.Name) > maxNameLen {
			return fmt.Errorf("jobs: attempt field images[%d].name %q is empty or longer than %d bytes", i, im.Name, maxNameLen)
		}
		if !isSHA256Hex(im.SHA256) {
			return fmt.Errorf("jobs: attempt field images[%d].sha256 %q is not 64 hex digits", i, im.SHA256)
		}
	}
	if a.UnitUID != "" {
		uid, err := normalizeUID(a.UnitUID)
		if err != nil {
			return fmt.Errorf("jobs: attempt field unit_uid %q: %w", a.UnitUID, err)
		}
		a.UnitUID = uid
	}
	return nil
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// lastActivity is the latest time the attempt is known to have been alive,
// used as the end time of an interrupted attempt.
func (a *Attempt) lastActivity() time.Time {
	t := a.Started
	for _, s := range a.Steps {
		if end := s.Started.Add(s.Duration); end.After(t) {
			t = end
		}
		for _, l := range s.Log {
			if l.Time.After(t) {
				t = l.Time
			}
		}
	}
	return t
}
