package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/recipes/examples"
)

func TestStationCheck(t *testing.T) {
	dir := t.TempDir()
	if err := examples.Extract(dir); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.toml", "station = \"s1\"\n[[slot]]\nname = \"A1\"\nprobe = \"X1\"\nrecipe = \"bluepill-blink.toml\"\n"+
		"[[slot]]\nname = \"A2\"\nprobe = \"X2\"\nrecipe = \"bluepill-blink.toml\"\n")
	// Three problems on three lines: a missing recipe, an unknown key, a
	// retry count out of range.
	bad := write("bad.toml", "station = \"s1\"\n[[slot]]\nname = \"A1\"\nprobe = \"X\"\nrecipe = \"missing.toml\"\ncolour = \"red\"\nretries = 99\n")
	open := write("open.toml", "station = \"s1\"\n[http]\nlisten = \"0.0.0.0:8080\"\n[[slot]]\nname = \"A1\"\nprobe = \"X\"\nrecipe = \"bluepill-blink.toml\"\n")

	code, out, errs := runCLI(t, "station", "check", good)
	if code != 0 || !strings.Contains(out, "ok   "+good+": station s1, 2 slots, pedal mode, 1 recipe") {
		t.Errorf("good: exit %d\n%s\n%s", code, out, errs)
	}
	code, _, errs = runCLI(t, "station", "check", bad)
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if code != 2 || len(lines) != 4 ||
		!strings.HasPrefix(lines[0], bad+":5:1: slot[0].recipe") || !strings.HasPrefix(lines[1], bad+":6:1: slot[0].colour") ||
		!strings.HasPrefix(lines[2], bad+":7:1: slot[0].retries") || lines[3] != "flashstation: 1 of 1 station files have problems" {
		t.Errorf("bad: exit %d\n%s", code, errs)
	}
	// serve refuses the same file with the same lines, one per line.
	code, _, serveErrs := runCLI(t, "serve", "--config", bad, "--db", filepath.Join(dir, "a.db"))
	if code != 2 || !strings.HasPrefix(serveErrs, strings.Join(lines[:3], "\n")+"\n") || !strings.Contains(serveErrs, "3 problems") {
		t.Errorf("serve: exit %d\n%s", code, serveErrs)
	}
	code, _, errs = runCLI(t, "station", "check", open)
	if code != 2 || !strings.Contains(errs, open+": http.token: listening on 0.0.0.0:8080 is reachable from other machines") {
		t.Errorf("open: exit %d\n%s", code, errs)
	}
	code, out, _ = runCLI(t, "station", "check", "--json", good, bad)
	var reps []stationReport
	if code != 2 || json.Unmarshal([]byte(out), &reps) != nil || len(reps) != 2 || !reps[0].OK || reps[1].OK || len(reps[1].Problems) != 3 || reps[1].Problems[0].Line != 5 {
		t.Errorf("--json: exit %d\n%s", code, out)
	}
}

func TestDidYouMeanAndVersion(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"flsh"}, `flashstation: unknown command "flsh" for "flashstation"; did you mean "flash"?` + "\n"},
		{[]string{"units", "lst"}, `flashstation: unknown command "lst" for "flashstation units"; did you mean "list"?` + "\n"},
		{[]string{"stattion", "check"}, `did you mean "station"?`},
		{[]string{"zzzzzz"}, `unknown command "zzzzzz" for "flashstation"; see "flashstation --help"`},
	} {
		code, _, errs := runCLI(t, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
	code, out, _ := runCLI(t, "--version")
	_, vout, _ := runCLI(t, "version")
	if code != 0 || out != vout || !strings.HasPrefix(out, "flashstation ") {
		t.Errorf("--version: exit %d %q, version %q", code, out, vout)
	}
}
