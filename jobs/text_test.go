package jobs

import (
	"bytes"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones below on a machine without /usr/share/zoneinfo
)

// TestTextTimesInZone: units list and show print times in the reader's
// zone with its offset (DST included), the same instant in every zone.
func TestTextTimesInZone(t *testing.T) {
	load := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	winter := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	summer := time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name          string
		loc           *time.Location
		started       time.Time
		stamp, logged string
	}{
		{"utc", time.UTC, winter, "2025-03-01 08:00:00 +00:00", "08:00:00.230"},
		{"berlin winter", load("Europe/Berlin"), winter, "2025-03-01 09:00:00 +01:00", "09:00:00.230"},
		{"berlin summer", load("Europe/Berlin"), summer, "2025-07-01 14:00:00 +02:00", "14:00:00.230"},
		{"new york summer", load("America/New_York"), summer, "2025-07-01 08:00:00 -04:00", "08:00:00.230"},
		{"half hour", load("Asia/Kolkata"), winter, "2025-03-01 13:30:00 +05:30", "13:30:00.230"},
		{"date line", load("Pacific/Auckland"), winter, "2025-03-01 21:00:00 +13:00", "21:00:00.230"},
		{"fixed", time.FixedZone("", -3*3600), winter, "2025-03-01 05:00:00 -03:00", "05:00:00.230"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &Attempt{ID: 7, Recipe: "r", Result: Pass, Started: tt.started, Ended: tt.started.Add(2 * time.Second),
				Steps: []Step{{Name: "program", Result: Pass, Log: []LogLine{{Time: tt.started.Add(230 * time.Millisecond), Msg: "ok"}}}}}
			var table, unit bytes.Buffer
			if err := WriteTable(&table, []*Attempt{a}, tt.loc); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(table.String(), tt.stamp) {
				t.Errorf("table lacks %q:\n%s", tt.stamp, table.String())
			}
			if err := WriteUnit(&unit, "1f2e", []*Attempt{a}, tt.loc); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(unit.String(), "PASS  "+tt.stamp+"  2s") || !strings.Contains(unit.String(), "      "+tt.logged+" ") {
				t.Errorf("unit report lacks %q / %q:\n%s", tt.stamp, tt.logged, unit.String())
			}
		})
	}
}
