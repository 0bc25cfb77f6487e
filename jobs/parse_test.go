package jobs

import (
	"strings"
	"testing"
	"time"
)

func TestParseTimeBound(t *testing.T) {
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"2025-03-01T08:00:00Z", time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC), false},
		{"2025-03-01T08:00:00+01:00", time.Date(2025, 3, 1, 7, 0, 0, 0, time.UTC), false},
		{"2025-03-01", time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), false},
		{"24h", now.Add(-24 * time.Hour), false},
		{"90m", now.Add(-90 * time.Minute), false},
		{"7d", now.Add(-7 * 24 * time.Hour), false},
		{" 1h ", now.Add(-time.Hour), false},
		{"", time.Time{}, true},
		{"-5h", time.Time{}, true},
		{"yesterday", time.Time{}, true},
		{"7days", time.Time{}, true},
		{"99999999d", time.Time{}, true},
		{"2025-13-01", time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := ParseTimeBound(tt.in, now)
		if (err != nil) != tt.wantErr || (!tt.wantErr && !got.Equal(tt.want)) {
			t.Errorf("ParseTimeBound(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "jobs: ") {
			t.Errorf("error %q lacks the package prefix", err)
		}
	}
	// A date is the local day where the station is, as "today" counts it.
	berlin := time.FixedZone("CET", 3600)
	got, err := ParseTimeBound("2025-03-01", time.Date(2025, 3, 10, 12, 0, 0, 0, berlin))
	if want := time.Date(2025, 3, 1, 0, 0, 0, 0, berlin); err != nil || !got.Equal(want) {
		t.Errorf("date in UTC+1 = %v, %v; want %v (local midnight)", got, err, want)
	}
}

func FuzzParseTimeBound(f *testing.F) {
	for _, s := range []string{"2025-03-01T08:00:00Z", "2025-03-01", "24h", "7d", "", "-1h", "1e9d", "0d"} {
		f.Add(s)
	}
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTimeBound(s, now)
		if err != nil {
			if !strings.Contains(err.Error(), "jobs: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
			return
		}
		if got.IsZero() {
			t.Fatalf("ParseTimeBound(%q) gave the zero time without error", s)
		}
	})
}

func TestParseResults(t *testing.T) {
	tests := []struct {
		in   string
		want []Result
		err  string
	}{
		{"pass", []Result{Pass}, ""},
		{"FAIL, error", []Result{Fail, Error}, ""},
		{"interrupted,running", []Result{Interrupted, Running}, ""},
		{"pass,,fail", nil, `unknown result ""`},
		{"skipped", nil, `unknown result "skipped"`},
	}
	for _, tt := range tests {
		got, err := ParseResults(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseResults(%q) err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || strings.Join(resultStrings(got), ",") != strings.Join(resultStrings(tt.want), ",") {
			t.Errorf("ParseResults(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func resultStrings(rs []Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

func FuzzParseResults(f *testing.F) {
	for _, s := range []string{"pass", "fail,error", "PASS", ",", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rs, err := ParseResults(s)
		if err != nil {
			return
		}
		for _, r := range rs {
			if _, err := ParseResult(string(r)); err != nil {
				t.Fatalf("ParseResults(%q) gave %q, which does not parse again", s, r)
			}
		}
	})
}

func TestNormalizeUID(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"0x1F2E3D4C5B6A7988", "1f2e3d4c5b6a7988", ""},
		{"abcdef", "abcdef", ""},
		{" 0XAB ", "ab", ""},
		{strings.Repeat("f", 32), strings.Repeat("f", 32), ""},
		{strings.Repeat("f", 33), "", "33 hex digits (at most 32)"},
		{"0x", "", "no hex digits"},
		{"", "", "no hex digits"},
		{"12-34", "", `"-" at position 3`},
		{"0x0x12", "", `"x" at position 2`},
	}
	for _, tt := range tests {
		got, err := NormalizeUID(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), "jobs: unit UID ") {
				t.Errorf("NormalizeUID(%q) err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeUID(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func FuzzNormalizeUID(f *testing.F) {
	for _, s := range []string{"0x1F2E", "abc", "", "0x", "zz", strings.Repeat("a", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := NormalizeUID(s)
		if err != nil {
			return
		}
		if u == "" || len(u) > MaxUIDDigits || strings.ContainsRune(u, 0) {
			t.Fatalf("NormalizeUID(%q) = %q", s, u)
		}
		if again, err := NormalizeUID(u); err != nil || again != u {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", s, u, again, err)
		}
	})
}

func FuzzParseID(f *testing.F) {
	for _, s := range []string{"0186f0a1b2c3d4e5", "1", "", "xyz", "10000000000000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			return
		}
		if back, err := ParseID(id.String()); err != nil || back != id {
			t.Fatalf("ParseID(%q) = %v does not round-trip: %v, %v", s, id, back, err)
		}
	})
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"jsonl": JSONLines, "CSV": CSV, "ndjson": JSONLines} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("xml"); err == nil || !strings.Contains(err.Error(), `"xml"`) {
		t.Errorf("ParseFormat(xml) err = %v", err)
	}
}
