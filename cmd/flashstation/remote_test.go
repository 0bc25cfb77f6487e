package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flashstation/flashstation/drivers/sim"
	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/station"
)

// liveStation serves the seeded database through a real station's API
// while the station holds it open for writing, as serve does. loopback
// makes a loopback-only station (no token needed); otherwise requests
// arrive as from another host.
func liveStation(t *testing.T, token string, loopback bool) (url, db string) {
	t.Helper()
	db = seedDB(t)
	store, err := jobs.Open(db, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	reg := prometheus.NewRegistry()
	st, err := station.New(station.Options{Name: "line-3", Bus: sim.NewBus(), Store: store, Registry: reg,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Token: token, LoopbackOnly: loopback})
	if err != nil {
		t.Fatal(err)
	}
	h := st.Handler(reg)
	if !loopback {
		// QA's laptop, not the station itself: a request from this
		// machine needs no token (the kiosk), one from another host does.
		inner := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.RemoteAddr = "192.0.2.7:40000" // TEST-NET-1 (RFC 5737)
			inner.ServeHTTP(w, r)
		})
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL, db
}

// TestUnitsStation: QA's commands work on a running station through its
// API, where --db cannot open the file the station holds (the alert
// rules' advice); export needs the token off loopback and says so in one
// line.
func TestUnitsStation(t *testing.T) {
	url, db := liveStation(t, "s3cret", false)
	if code, _, errOut := runCLI(t, "units", "list", "--db", db); code != 1 || !strings.Contains(errOut, "in use by another process") {
		t.Fatalf("--db beside the running station: exit %d %q; the case --station is for", code, errOut)
	}
	down := httptest.NewServer(nil)
	down.Close()
	tests := []struct {
		name   string
		args   []string
		env    string // FLASHSTATION_TOKEN
		code   int
		stdout []string
		absent []string
		stderr string
	}{
		{"list", []string{"units", "list", "--station", url}, "", 0, []string{"1f2e", "aa55", "fail"}, nil, ""},
		{"list trailing slash", []string{"units", "list", "--station", url + "/", "--result", "fail", "--json"}, "", 0, []string{`"result": "fail"`}, []string{`"result": "pass"`}, ""},
		{"list until", []string{"units", "list", "--station", url, "--until", "2025-03-01T08:01:30Z"}, "", 0, []string{"1f2e"}, []string{"aa55"}, ""},
		{"list slot", []string{"units", "list", "--station", url, "--slot", "2", "--json"}, "", 0, []string{`"slot": "2"`}, []string{`"slot": "1"`}, ""},
		{"list no limit", []string{"units", "list", "--station", url, "--limit", "0"}, "", 2, nil, nil, "answers 1 to 1000 attempts"},
		{"show", []string{"units", "show", "0x1F2E", "--station", url}, "", 0, []string{"unit 1f2e: 2 attempts (1 pass, 1 fail)", "programming 4096 bytes"}, nil, ""},
		{"show json", []string{"units", "show", "aa55", "--station", url, "--json"}, "", 0, []string{`"uid": "aa55"`, `"unit_uid": "aa55"`}, nil, ""},
		{"show unknown", []string{"units", "show", "beef", "--station", url}, "", 1, nil, nil, "no attempts recorded for unit beef"},
		{"export without token", []string{"units", "export", "--station", url}, "", 1, nil, nil, "wants its token for /api/backup (401): give the http.token of its station.toml with --token or FLASHSTATION_TOKEN"},
		{"export wrong token", []string{"units", "export", "--station", url, "--token", "guess"}, "", 1, nil, nil, "refused the token for /api/backup (401)"},
		{"export token", []string{"units", "export", "--station", url, "--token", "s3cret", "--uid", "1f2e"}, "", 0, []string{`"unit_uid":"1f2e"`}, []string{"aa55"}, ""},
		{"export token from env", []string{"units", "export", "--station", url, "--result", "pass"}, "s3cret", 0, []string{`"unit_uid":"aa55"`, `"unit_uid":"1f2e"`}, []string{`"result":"fail"`}, ""},
		{"station and db", []string{"units", "list", "--station", url, "--db", db}, "", 2, nil, nil, "--station and --db: give one"},
		{"token alone", []string{"units", "show", "aa55", "--db", db, "--token", "x"}, "", 2, nil, nil, "--token applies only with --station URL"},
		{"bad url", []string{"units", "list", "--station", "ftp://host"}, "", 2, nil, nil, `--station "ftp://host": want http://HOST:PORT`},
		{"no host", []string{"units", "list", "--station", "line-3:8080"}, "", 2, nil, nil, "want http://HOST:PORT"},
		{"station down", []string{"units", "list", "--station", down.URL}, "", 1, nil, nil, "station " + down.URL + ": dial tcp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("FLASHSTATION_TOKEN", tt.env)
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.code, errOut)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			for _, not := range tt.absent {
				if strings.Contains(out, not) {
					t.Errorf("stdout has %q:\n%s", not, out)
				}
			}
			if tt.stderr != "" && (!strings.Contains(errOut, tt.stderr) || strings.Count(errOut, "\n") != 1) {
				t.Errorf("stderr %q, want one line containing %q", errOut, tt.stderr)
			}
			if tt.code == 0 && errOut != "" {
				t.Errorf("stderr %q on success", errOut)
			}
		})
	}
}

// TestUnitsStationLoopback: a loopback-only station has no token; the
// commands need none.
func TestUnitsStationLoopback(t *testing.T) {
	url, _ := liveStation(t, "", true)
	code, out, errOut := runCLI(t, "units", "show", "1f2e", "--station", url, "--json")
	var got unitReport
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil {
		t.Fatalf("show --station: exit %d %s\n%s", code, errOut, out)
	}
	if got.UID != "1f2e" || len(got.Attempts) != 2 || got.Attempts[0].Steps[0].Log[0].Msg != "programming 4096 bytes" {
		t.Errorf("report %+v", got)
	}
	code, out, errOut = runCLI(t, "units", "export", "--station", url)
	if code != 0 || strings.Count(out, "\n") != 3 {
		t.Fatalf("export --station without a token on loopback: exit %d %s\n%s", code, errOut, out)
	}
}

// TestAlertAdviceRuns runs the units commands the alert rules advise, as
// promtool renders them for station s1 (deploy/prometheus/tests.yml),
// against a running station: the advice must work while serve holds the
// database.
func TestAlertAdviceRuns(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "prometheus", "tests.yml"))
	if err != nil {
		t.Fatal(err)
	}
	url, _ := liveStation(t, "", true)
	re := regexp.MustCompile("`flashstation (units [^`]*)`")
	n := 0
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		line := strings.ReplaceAll(m[1], "http://s1:8080", url)
		if !strings.Contains(line, "--station "+url) {
			t.Errorf("advice %q does not ask the running station (--station)", m[1])
			continue
		}
		n++
		if code, _, errOut := runCLI(t, strings.Fields(line)...); code != 0 {
			t.Errorf("advice %q: exit %d, %s", m[1], code, errOut)
		}
	}
	if n == 0 {
		t.Fatal("no units advice found in the alert tests")
	}
}
