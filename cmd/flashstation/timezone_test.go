package main

import (
	"strings"
	"testing"
	_ "time/tzdata" // the zones below on a machine without /usr/share/zoneinfo
)

// TestUnitsTimeZone: units list and show print local time with its
// offset, in the zone $TZ names (read per command, not from Go's cached
// time.Local), or UTC with --utc; JSON stays RFC 3339 UTC; --since dates
// are read in the same zone.
func TestUnitsTimeZone(t *testing.T) {
	db := seedDB(t) // attempts at 2025-03-01 08:00, 08:01, 08:02 UTC
	tests := []struct {
		name   string
		tz     string
		args   []string
		code   int
		want   []string
		absent []string
	}{
		{"list berlin", "Europe/Berlin", []string{"units", "list"}, 0, []string{"2025-03-01 09:02:00 +01:00"}, []string{"08:02:00"}},
		{"show berlin", "Europe/Berlin", []string{"units", "show", "aa55"}, 0, []string{"PASS  2025-03-01 09:02:00 +01:00  2s", "      09:02:00.000 "}, []string{"08:02"}},
		{"list utc flag", "Europe/Berlin", []string{"units", "list", "--utc"}, 0, []string{"2025-03-01 08:02:00 +00:00"}, []string{"+01:00"}},
		{"show utc flag", "Europe/Berlin", []string{"units", "show", "aa55", "--utc"}, 0, []string{"PASS  2025-03-01 08:02:00 +00:00", "      08:02:00.000 "}, []string{"+01:00"}},
		{"tz empty is utc", "", []string{"units", "list"}, 0, []string{"2025-03-01 08:00:00 +00:00"}, nil},
		{"tz colon form", ":Asia/Kolkata", []string{"units", "list"}, 0, []string{"2025-03-01 13:30:00 +05:30"}, nil},
		{"json stays utc", "Europe/Berlin", []string{"units", "list", "--json"}, 0, []string{`"started": "2025-03-01T08:02:00Z"`}, []string{"+01:00"}},
		{"show json stays utc", "Asia/Kolkata", []string{"units", "show", "aa55", "--json"}, 0, []string{`"started": "2025-03-01T08:02:00Z"`}, []string{"+05:30"}},
		{"since date in tz", "Pacific/Honolulu", []string{"units", "list", "--since", "2025-03-01", "--json"}, 0, []string{"[]"}, []string{"aa55"}},
		{"since date utc", "Pacific/Honolulu", []string{"units", "list", "--since", "2025-03-01", "--utc"}, 0, []string{"aa55", "1f2e"}, nil},
		{"export since date in tz", "Pacific/Honolulu", []string{"units", "export", "--since", "2025-03-01"}, 0, nil, []string{"aa55"}},
		{"bad tz", "Mars/Olympus", []string{"units", "list"}, 2, []string{`TZ "Mars/Olympus" names no time zone`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("TZ", tt.tz)
			code, out, errOut := runCLI(t, append(tt.args, "--db", db)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.code, errOut)
			}
			text := out
			if tt.code != 0 {
				text = errOut
				if strings.Count(errOut, "\n") != 1 {
					t.Errorf("stderr %q: want one line", errOut)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, text)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(text, a) {
					t.Errorf("output has %q:\n%s", a, text)
				}
			}
		})
	}
}

func TestDisplayLocation(t *testing.T) {
	env := func(v string, set bool) func(string) (string, bool) {
		return func(string) (string, bool) { return v, set }
	}
	if loc, err := displayLocation(env("Europe/Berlin", true), true); err != nil || loc.String() != "UTC" {
		t.Errorf("--utc: %v %v", loc, err)
	}
	if loc, err := displayLocation(env("", false), false); err != nil || loc.String() != "Local" {
		t.Errorf("TZ unset: %v %v, want the system zone", loc, err)
	}
	if loc, err := displayLocation(env("UTC", true), false); err != nil || loc.String() != "UTC" {
		t.Errorf("TZ=UTC: %v %v", loc, err)
	}
}
