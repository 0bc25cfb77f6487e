package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flashstation/flashstation/jobs"
)

// seedDB records three attempts: two of unit 1f2e (pass, fail) and one of
// unit aa55 (pass), in slots 1, 2, 1.
func seedDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "attempts.db")
	s, err := jobs.Open(path, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for i, u := range []struct {
		uid, slot string
		r         jobs.Result
	}{{"1F2E", "1", jobs.Pass}, {"1f2e", "2", jobs.Fail}, {"aa55", "1", jobs.Pass}} {
		a := &jobs.Attempt{Recipe: "blinky", Slot: u.slot, UnitUID: u.uid,
			Started: time.Date(2025, 3, 1, 8, i, 0, 0, time.UTC)}
		if err := s.Begin(ctx, a); err != nil {
			t.Fatal(err)
		}
		a.Steps = []jobs.Step{{Name: "program", Result: u.r, Started: a.Started, Duration: 1500 * time.Millisecond,
			Log: []jobs.LogLine{{Time: a.Started, Msg: "programming 4096 bytes"}}}}
		a.Result, a.Ended = u.r, a.Started.Add(2*time.Second)
		if u.r != jobs.Pass {
			a.FailedStep = "program"
		}
		if err := s.Finish(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUnitsCommands(t *testing.T) {
	db := seedDB(t)
	dir := t.TempDir()
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string // substrings
		stderr   string
		lineKind string // "" or "json"
	}{
		{"list", []string{"units", "list", "--db", db}, 0, []string{"RESULT", "1f2e", "aa55", "fail"}, "", ""},
		{"list filtered", []string{"units", "list", "--db", db, "--result", "fail", "--json"}, 0, []string{`"result": "fail"`, `"failed_step": "program"`}, "", "json"},
		{"list slot", []string{"units", "list", "--db", db, "--slot", "1", "--limit", "1"}, 0, []string{"aa55"}, "", ""},
		{"list empty json", []string{"units", "list", "--db", db, "--recipe", "other", "--json"}, 0, []string{"[]"}, "", "json"},
		{"show", []string{"units", "show", "0x1F2E", "--db", db}, 0, []string{"unit 1f2e: 2 attempts (1 pass, 1 fail)", "program", "programming 4096 bytes"}, "", ""},
		{"show json", []string{"units", "show", "1f2e", "--db", db, "--json"}, 0, []string{`"uid": "1f2e"`}, "", "json"},
		{"show bad uid", []string{"units", "show", "12g4", "--db", db}, 2, nil, `"g" at position 3 is not a hex digit`, ""},
		{"show long uid", []string{"units", "show", strings.Repeat("a", 40), "--db", db}, 2, nil, "40 hex digits (at most 32)", ""},
		{"show unknown", []string{"units", "show", "beef", "--db", db}, 1, nil, "no attempts recorded for unit beef", ""},
		{"show no arg", []string{"units", "show", "--db", db}, 2, nil, "accepts 1 arg", ""},
		{"missing db", []string{"units", "list", "--db", filepath.Join(dir, "none.db")}, 1, nil, "no database at", ""},
		{"bad since", []string{"units", "list", "--db", db, "--since", "yesterday"}, 2, nil, `--since: jobs: time "yesterday"`, ""},
		{"bad range", []string{"units", "list", "--db", db, "--since", "1h", "--until", "2h"}, 2, nil, "is not before --until", ""},
		{"bad result", []string{"units", "export", "--db", db, "--result", "ok"}, 2, nil, `--result: jobs: unknown result "ok"`, ""},
		{"bad format", []string{"units", "export", "--db", db, "--format", "xml"}, 2, nil, `--format: jobs: unknown export format "xml"`, ""},
		{"bad limit", []string{"units", "list", "--db", db, "--limit", "-1"}, 2, nil, "--limit -1 is negative", ""},
		{"export jsonl", []string{"units", "export", "--db", db, "--uid", "1F2E"}, 0, []string{`"unit_uid":"1f2e"`}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.code, errOut)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			if tt.stderr != "" && (!strings.Contains(errOut, tt.stderr) || strings.Count(errOut, "\n") != 1) {
				t.Errorf("stderr %q, want one line containing %q", errOut, tt.stderr)
			}
			if tt.lineKind == "json" && !json.Valid([]byte(out)) {
				t.Errorf("stdout is not one JSON document:\n%s", out)
			}
		})
	}
}

func TestUnitsExportCSVFile(t *testing.T) {
	db := seedDB(t)
	file := filepath.Join(t.TempDir(), "out.csv")
	if code, _, errOut := runCLI(t, "units", "export", "--db", db, "--format", "csv", "-o", file, "--until", "2025-03-01T08:01:30Z"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) != 3 || rows[2][12] != "fail" {
		t.Fatalf("rows %q, %v", rows, err)
	}
	if _, err := os.Stat(file + ".partial"); !os.IsNotExist(err) {
		t.Errorf("temporary file left behind: %v", err)
	}
}

func TestDBBackup(t *testing.T) {
	db := seedDB(t)
	dst := filepath.Join(t.TempDir(), "copy.db")
	code, out, errOut := runCLI(t, "db", "backup", dst, "--db", db, "--json")
	if code != 0 || !strings.Contains(out, `"bytes"`) {
		t.Fatalf("exit %d, stdout %s, stderr %s", code, out, errOut)
	}
	before, _ := os.ReadFile(dst)
	if err := os.WriteFile(dst, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut = runCLI(t, "db", "backup", dst, "--db", db); code != 2 || !strings.Contains(errOut, dst+": the file exists; pass --force to overwrite it") {
		t.Errorf("backup over existing: exit %d, %q; want 2 and a line naming --force", code, errOut)
	}
	if b, _ := os.ReadFile(dst); string(b) != "keep me" {
		t.Errorf("the existing file was changed without --force")
	}
	if code, _, _ = runCLI(t, "db", "backup", dst, "--db", db, "--force"); code != 0 {
		t.Errorf("--force: exit %d", code)
	}
	if b, _ := os.ReadFile(dst); len(b) != len(before) {
		t.Errorf("--force wrote %d bytes, the first backup %d", len(b), len(before))
	}
	if code, out, _ = runCLI(t, "units", "show", "aa55", "--db", dst); code != 0 || !strings.Contains(out, "1 attempt (1 pass)") {
		t.Errorf("reading the backup: exit %d\n%s", code, out)
	}
}

// TestReadWhileWriterHoldsDB records what bbolt's lock allows: readers
// share the file, but a writer (a running station) keeps them out, and
// they say so in one line instead of hanging.
func TestReadWhileWriterHoldsDB(t *testing.T) {
	db := seedDB(t)
	r, err := jobs.Open(db, jobs.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, "units", "show", "aa55", "--db", db); code != 0 {
		t.Errorf("beside another reader: exit %d, %s", code, errOut)
	}
	r.Close()
	w, err := jobs.Open(db, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	code, _, errOut := runCLI(t, "units", "show", "aa55", "--db", db)
	if code != 1 || !strings.Contains(errOut, "is in use by another process (is flashstation serve running?): while it runs, ask the station instead (units list, show, export --station http://HOST:PORT") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("beside a writer: exit %d, %q", code, errOut)
	}
}

func TestDefaultDBPath(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
		err  bool
	}{
		{map[string]string{"FLASHSTATION_DB": "/x/a.db", "XDG_DATA_HOME": "/d", "HOME": "/h"}, "/x/a.db", false},
		{map[string]string{"XDG_DATA_HOME": "/d", "HOME": "/h"}, "/d/flashstation/attempts.db", false},
		{map[string]string{"XDG_DATA_HOME": "relative", "HOME": "/h"}, "/h/.local/share/flashstation/attempts.db", false},
		{map[string]string{}, "", true},
	}
	for _, tt := range tests {
		got, err := defaultDBPath(func(k string) string { return tt.env[k] })
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("env %v: %q, %v; want %q", tt.env, got, err, tt.want)
		}
	}
}

func TestDBFromEnv(t *testing.T) {
	db := seedDB(t)
	t.Setenv("FLASHSTATION_DB", db)
	if code, out, errOut := runCLI(t, "units", "show", "aa55"); code != 0 || !strings.Contains(out, "unit aa55") {
		t.Errorf("exit %d, %s%s", code, out, errOut)
	}
}

// TestUnitsExportFile: -o's extension picks the format, a --format that
// contradicts it is refused, and an existing file is kept without --force.
func TestUnitsExportFile(t *testing.T) {
	db := seedDB(t)
	tests := []struct {
		name    string
		file    string
		flags   []string
		existed bool
		code    int
		want    string // "csv", "jsonl", or the error line
	}{
		{"csv by extension", "a.csv", nil, false, 0, "csv"},
		{"csv upper case", "A.CSV", nil, false, 0, "csv"},
		{"jsonl by extension", "a.jsonl", nil, false, 0, "jsonl"},
		{"ndjson", "a.ndjson", nil, false, 0, "jsonl"},
		{"other extension", "a.txt", nil, false, 0, "jsonl"},
		{"format agrees", "a.csv", []string{"--format", "csv"}, false, 0, "csv"},
		{"format for other extension", "a.txt", []string{"--format", "csv"}, false, 0, "csv"},
		{"mismatch", "a.csv", []string{"--format", "jsonl"}, false, 2, "--format jsonl but -o %s names csv: make them agree"},
		{"mismatch json", "a.json", []string{"--format", "csv"}, false, 2, "--format csv but -o %s names jsonl"},
		{"exists", "a.csv", nil, true, 2, "-o %s: the file exists; pass --force to overwrite it"},
		{"exists forced", "a.csv", []string{"--force"}, true, 0, "csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), tt.file)
			if tt.existed {
				if err := os.WriteFile(file, []byte("keep me"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := append([]string{"units", "export", "--db", db, "-o", file}, tt.flags...)
			code, _, errOut := runCLI(t, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.code, errOut)
			}
			b, readErr := os.ReadFile(file)
			if tt.code != 0 {
				if want := strings.ReplaceAll(tt.want, "%s", file); !strings.Contains(errOut, want) || strings.Count(errOut, "\n") != 1 {
					t.Errorf("stderr %q, want one line containing %q", errOut, want)
				}
				if tt.existed && string(b) != "keep me" {
					t.Errorf("the existing file was changed: %q", b)
				}
				if !tt.existed && readErr == nil {
					t.Errorf("a refused export wrote %s", file)
				}
				return
			}
			if readErr != nil {
				t.Fatal(readErr)
			}
			switch tt.want {
			case "csv":
				rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
				if err != nil || len(rows) != 4 || rows[0][0] != "id" {
					t.Errorf("want CSV with a header and 3 rows: %v\n%s", err, b)
				}
			case "jsonl":
				lines := strings.Split(strings.TrimSpace(string(b)), "\n")
				for _, l := range lines {
					if !json.Valid([]byte(l)) {
						t.Errorf("not JSON lines:\n%s", b)
						break
					}
				}
				if len(lines) != 3 {
					t.Errorf("%d lines, want 3", len(lines))
				}
			}
		})
	}
}

// TestDBUnderMissingDirectory: a database path given by hand (--db or
// FLASHSTATION_DB) whose folder does not exist is refused, by readers and
// by serve, instead of starting a new database beside the real one.
func TestDBUnderMissingDirectory(t *testing.T) {
	root := t.TempDir()
	missing := filepath.Join(root, "mnt", "line3", "attempts.db")
	plain := filepath.Join(root, "plain")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  string
		args []string
		want string
	}{
		{"list", "", []string{"units", "list", "--db", missing}, "--db " + missing + ": the directory " + filepath.Dir(missing) + " does not exist"},
		{"serve", "", []string{"serve", "--sim", "cmsis-dap-v2:stm32f103c8", "--instant", "--listen", "127.0.0.1:0", "--db", missing}, "--db " + missing + ": the directory"},
		{"backup", "", []string{"db", "backup", filepath.Join(root, "b.db"), "--db", missing}, "does not exist"},
		{"env", missing, []string{"units", "show", "aa55"}, "FLASHSTATION_DB " + missing + ": the directory"},
		{"env serve", missing, []string{"serve", "--sim", "cmsis-dap-v2:stm32f103c8", "--instant", "--listen", "127.0.0.1:0"}, "FLASHSTATION_DB " + missing},
		{"not a directory", "", []string{"units", "list", "--db", filepath.Join(plain, "a.db")}, plain + " is not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("FLASHSTATION_DB", tt.env)
			// Bounded: a serve that accepts the path runs until its context ends.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var out, errb bytes.Buffer
			code := run(ctx, tt.args, &out, &errb)
			errOut := errb.String()
			if code != 2 || !strings.Contains(errOut, tt.want) || strings.Count(errOut, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want 2 and one line containing %q", code, errOut, tt.want)
			}
			if _, err := os.Stat(filepath.Dir(missing)); err == nil {
				t.Fatalf("%s was created", filepath.Dir(missing))
			}
		})
	}
}

// TestServeDatabaseUnderMissingDirectory: station.toml's database whose
// folder does not exist stops serve with one line naming the file,
// instead of a new database beside the real one.
func TestServeDatabaseUnderMissingDirectory(t *testing.T) {
	dir := t.TempDir()
	recipe, err := filepath.Abs(filepath.Join("..", "..", "recipes", "examples", "bluepill-blink.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "station.toml")
	body := "station = \"t\"\ndatabase = \"mnt/attempts.db\"\n[http]\nlisten = \"127.0.0.1:0\"\n" +
		"[[slot]]\nname = \"A1\"\nprobe = \"X\"\nrecipe = " + strconv.Quote(recipe) + "\n"
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"serve", "--config", cfg, "--sim", "cmsis-dap-v2:stm32f103c8", "--instant"}, &out, &errb)
	want := cfg + ": database " + filepath.Join(dir, "mnt", "attempts.db") + ": the directory " + filepath.Join(dir, "mnt") + " does not exist"
	if code != 2 || !strings.Contains(errb.String(), want) || strings.Count(errb.String(), "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want 2 and one line containing %q", code, errb.String(), want)
	}
	if _, err := os.Stat(filepath.Join(dir, "mnt")); err == nil {
		t.Error("the missing directory was created")
	}
}
