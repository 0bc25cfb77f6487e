package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestDamagedDatabase: a database cut short makes every command that opens
// it print one line naming the file and the backup (no panic), and db
// check lists what is damaged; a sound file checks clean.
func TestDamagedDatabase(t *testing.T) {
	db := seedDB(t)
	if code, out, errb := runCLI(t, "db", "check", "--db", db); code != 0 || !strings.Contains(out, "no damage found") {
		t.Fatalf("check of a sound file: %d %q %q", code, out, errb)
	}
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"units", "list", "--db", db},
		{"units", "show", "1f2e", "--db", db},
		{"db", "backup", "--db", db, db + ".bak"},
	} {
		code, _, errb := runCLI(t, args...)
		line := strings.TrimSuffix(errb, "\n")
		if code != 1 || strings.Contains(line, "\n") || !strings.Contains(line, db) || !strings.Contains(line, "restore a backup") || strings.Contains(errb, "panic") {
			t.Errorf("%v on a damaged file: exit %d, stderr %q; want 1 and one line naming the file and the backup", args, code, errb)
		}
	}
	code, out, errb := runCLI(t, "db", "check", "--db", db)
	if code != 1 || !strings.Contains(out, "cut short") || !strings.Contains(errb, "restore a backup") {
		t.Errorf("db check: exit %d, out %q, err %q", code, out, errb)
	}
	code, out, _ = runCLI(t, "db", "check", "--db", db, "--json")
	var rep struct {
		Path     string   `json:"path"`
		Problems []string `json:"problems"`
	}
	if err := json.Unmarshal([]byte(out), &rep); code != 1 || err != nil || rep.Path != db || len(rep.Problems) == 0 {
		t.Errorf("db check --json: exit %d, %v, %+v", code, err, rep)
	}
}
