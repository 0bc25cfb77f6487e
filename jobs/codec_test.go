package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestAttemptJSONMatchesMarshal holds the hand-written encoder to
// encoding/json byte for byte, including the escapes and omit rules.
func TestAttemptJSONMatchesMarshal(t *testing.T) {
	full := realisticAttempt(3, "1f2e3d4c")
	full.ID = 0x0186f0a1b2c3d4e5
	full.Ended = full.Started.Add(3 * time.Second)
	full.Result, full.FailedStep, full.Error = Fail, "verify", "verify failed at 0x08004000"
	full.Serials = []Serial{{"sn", 7, SerialReleased}, {"mac", 1 << 40, SerialCommitted}}
	full.Images = []Image{{"boot", sha('c')}, {"app \"<x>\"", sha('d')}}
	full.Steps[2].Error, full.Steps[2].Tries, full.Steps[2].Bytes = "retry <1> & \"2\"\n", 3, 4096
	full.Steps[0].Log[0].Level = slog.LevelWarn + 2

	// Every field set, so a field added to the structs without a line in
	// appendAttemptJSON makes this test fail.
	for _, v := range []any{*full, full.Steps[2], full.Steps[0].Log[0], full.Serials[0], full.Images[0]} {
		rv := reflect.ValueOf(v)
		for i := 0; i < rv.NumField(); i++ {
			if rv.Field(i).IsZero() {
				t.Fatalf("%T.%s is zero in the full case; set it", v, rv.Type().Field(i).Name)
			}
		}
	}

	odd := &Attempt{
		ID: 1, Recipe: "r\u2028é\x00\x7f", Station: "a<b>&c\\d\te",
		Started: time.Date(2025, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 5*3600+30*60)),
		Result:  Running, Error: "bad \xff utf-8",
		Steps: []Step{{Name: "s", Result: Skipped, Duration: -5, Bytes: -1,
			Log: []LogLine{{Level: slog.LevelDebug - 1, Msg: ""}}}},
	}
	for _, tc := range []struct {
		name string
		a    *Attempt
	}{
		{"empty", &Attempt{}},
		{"begin", &Attempt{ID: 42, Recipe: "x", Started: time.Unix(0, 1).UTC(), Result: Running}},
		{"full", full},
		{"odd strings and zones", odd},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := json.Marshal(tc.a)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := appendAttemptJSON(nil, tc.a)
			if !ok || !bytes.Equal(got, want) {
				t.Errorf("appendAttemptJSON (ok %v):\n%s\nwant\n%s", ok, got, want)
			}
		})
	}
}

// TestAttemptJSONRefusesWhatMarshalRefuses: times encoding/json cannot
// write make the fast encoder step aside, so encodeAttempt still fails.
func TestAttemptJSONRefusesWhatMarshalRefuses(t *testing.T) {
	for _, ts := range []time.Time{
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("odd", 24*3600)),
	} {
		a := &Attempt{ID: 1, Recipe: "x", Started: time.Unix(0, 0).UTC(), Steps: []Step{{Log: []LogLine{{Time: ts}}}}}
		if _, err := json.Marshal(a); err == nil {
			t.Fatalf("json.Marshal accepts %v; pick another case", ts)
		}
		if _, ok := appendAttemptJSON(nil, a); ok {
			t.Errorf("appendAttemptJSON accepts %v", ts)
		}
		if _, err := encodeAttempt(a); err == nil {
			t.Errorf("encodeAttempt accepts %v", ts)
		}
	}
}

// TestEncodeRoundTrip covers both stored forms: small values stay plain
// JSON, large ones are compressed; both decode to what was encoded.
func TestEncodeRoundTrip(t *testing.T) {
	big := realisticAttempt(1, "c0ffee")
	big.ID = 99
	small := &Attempt{ID: 100, Recipe: "r", Started: big.Started, Result: Running}
	for _, tc := range []struct {
		a     *Attempt
		first byte
	}{{small, '{'}, {big, codecFlate}} {
		v, err := encodeAttempt(tc.a)
		if err != nil {
			t.Fatal(err)
		}
		if v[0] != tc.first {
			t.Errorf("attempt %s stored with first byte %#x, want %#x", tc.a.ID, v[0], tc.first)
		}
		got, err := decodeAttempt(tc.a.ID, v)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tc.a) {
			t.Errorf("round trip of %s:\n%+v\nwant\n%+v", tc.a.ID, got, tc.a)
		}
	}
}

func FuzzAttemptJSON(f *testing.F) {
	f.Add("line1", "conn<ect>", "msg \"q\"", int64(1700000000123456789), int64(-3), 4)
	f.Add("\xff\xfe", "\u2029", "\x01\x1f", int64(0), int64(1<<62), -8)
	f.Fuzz(func(t *testing.T, station, step, msg string, ns, dur int64, level int) {
		ts := time.Unix(0, ns).UTC()
		a := &Attempt{ID: ID(ns), Station: station, Recipe: step + msg, Started: ts, Ended: ts.Add(time.Duration(dur)),
			Result: Result(msg), Serials: []Serial{{Series: station, Number: uint64(dur)}},
			Steps: []Step{{Name: step, Started: ts, Duration: time.Duration(dur), Tries: level, Error: msg, Bytes: dur,
				Log: []LogLine{{Time: ts, Level: slog.Level(level), Msg: msg}}}}}
		want, err := json.Marshal(a)
		got, ok := appendAttemptJSON(nil, a)
		if (err == nil) != ok {
			t.Fatalf("json.Marshal err %v, appendAttemptJSON ok %v", err, ok)
		}
		if ok && !bytes.Equal(got, want) {
			t.Fatalf("appendAttemptJSON:\n%s\nwant\n%s", got, want)
		}
	})
}

// TestImagesRecord: a multi-image attempt keeps one sha256 per image
// through the store, and a record written before images existed (plain
// JSON with firmware_sha256 alone) still reads as it was.
func TestImagesRecord(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a := &Attempt{Recipe: "weact-h750", Images: []Image{{"boot", sha('1')}, {"app", sha('2')}}, Started: time.Unix(100, 0).UTC()}
	if err := s.Begin(ctx, a); err != nil {
		t.Fatal(err)
	}
	a.Result, a.Ended = Pass, a.Started.Add(time.Second)
	if err := s.Finish(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Images, a.Images) || got.FirmwareSHA256 != "" {
		t.Errorf("images read back %+v (firmware %q), want %+v", got.Images, got.FirmwareSHA256, a.Images)
	}
	old := `{"id":"0000000000000007","recipe":"r","firmware_sha256":"` + sha('b') + `","started":"2025-01-01T00:00:00Z","result":"pass"}`
	o, err := decodeAttempt(7, []byte(old))
	if err != nil {
		t.Fatal(err)
	}
	if o.FirmwareSHA256 != sha('b') || o.Images != nil {
		t.Errorf("old record decoded as firmware %q images %v", o.FirmwareSHA256, o.Images)
	}
	var text bytes.Buffer
	if err := WriteUnit(&text, "x", []*Attempt{got}, time.UTC); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "images boot="+sha('1')[:12]+" app="+sha('2')[:12]) {
		t.Errorf("unit text does not list the images:\n%s", text.String())
	}
}
