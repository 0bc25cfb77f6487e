package jobs

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	crashEnv      = "FLASHSTATION_JOBS_CRASH_DB"
	crashApplyEnv = "FLASHSTATION_JOBS_CRASH_APPLY" // "never": records stay in the journal
)

// TestCrashChild is the child of TestKilledMidAttempt: it records three
// attempts, begins a fourth with a serial reserved and a step saved,
// records a fifth that passes with a serial of its own, says READY, and
// waits to be killed.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("runs only as TestKilledMidAttempt's child")
	}
	opts := Options{Logger: quiet}
	if os.Getenv(crashApplyEnv) == "never" {
		opts.applyEvery = time.Hour
	}
	s, err := Open(path, opts)
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(3)
	}
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		a := realisticAttempt(i, "c0ffee")
		record(t, s, a, Pass)
	}
	a := realisticAttempt(3, "")
	steps := a.Steps
	a.Steps = nil
	if err := s.Begin(ctx, a); err != nil {
		fmt.Println("ERR", err)
		os.Exit(3)
	}
	n, err := s.Reserve(ctx, "sn", 7, a.ID)
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(3)
	}
	a.UnitUID, a.Steps = "c0ffee", steps[:3]
	if err := s.Checkpoint(ctx, a); err != nil {
		fmt.Println("ERR", err)
		os.Exit(3)
	}
	fifth := realisticAttempt(4, "c0ffee")
	fifth.Steps = nil
	if err := s.Begin(ctx, fifth); err != nil {
		fmt.Println("ERR", err)
		os.Exit(3)
	}
	if _, err := s.Reserve(ctx, "sn", 7, fifth.ID); err != nil {
		fmt.Println("ERR", err)
		os.Exit(3)
	}
	fifth.Result = Pass
	if err := s.Finish(ctx, fifth); err != nil {
		fmt.Println("ERR", err)
		os.Exit(3)
	}
	if opts.applyEvery == time.Hour && !s.journal.hasPending() {
		fmt.Println("ERR the fifth attempt's finish should be in the journal only")
		os.Exit(3)
	}
	fmt.Printf("READY %s %d\n", a.ID, n)
	time.Sleep(time.Minute)
	os.Exit(4)
}

func TestKilledMidAttempt(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("child")
	}
	t.Run("applied", func(t *testing.T) { killMidAttempt(t, "") })
	t.Run("journal only", func(t *testing.T) { killMidAttempt(t, "never") })
}

func killMidAttempt(t *testing.T, apply string) {
	path := filepath.Join(t.TempDir(), "attempts.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path, crashApplyEnv+"="+apply)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "READY ") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child said %q, %v", line, err)
	}
	var idText string
	var serial uint64
	fmt.Sscanf(line, "READY %s %d", &idText, &serial)
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no deferred cleanup runs
		t.Fatal(err)
	}
	cmd.Wait()

	s := openTest(t, path, Options{Timeout: 2 * time.Second})
	ctx := context.Background()
	got, err := s.ByUnit(ctx, "c0ffee")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("%d attempts after the crash, want 5", len(got))
	}
	for i, a := range got[:3] {
		if a.Result != Pass || len(a.Steps) != 8 {
			t.Errorf("earlier attempt %d: result %s, %d steps; want pass with 8", i, a.Result, len(a.Steps))
		}
	}
	if f := got[4]; f.Result != Pass || len(f.Serials) != 1 || f.Serials[0] != (Serial{"sn", serial + 1, SerialCommitted}) {
		t.Errorf("attempt finished just before the kill: %s serials %+v; want pass with %d committed", f.Result, f.Serials, serial+1)
	}
	last := got[3]
	if last.ID.String() != idText || last.Result != Interrupted || len(last.Steps) != 3 {
		t.Fatalf("killed attempt %s: result %s, %d steps; want %s interrupted with 3", last.ID, last.Result, len(last.Steps), idText)
	}
	if last.Ended.IsZero() || last.Error == "" {
		t.Errorf("interrupted attempt has ended %v, error %q", last.Ended, last.Error)
	}
	if len(last.Serials) != 1 || last.Serials[0] != (Serial{"sn", serial, SerialReleased}) {
		t.Errorf("interrupted attempt serials %+v, want %d released", last.Serials, serial)
	}
	a := begin(t, s)
	if n, err := s.Reserve(ctx, "sn", 7, a.ID); err != nil || n != serial {
		t.Errorf("reservation after recovery = %d, %v; want the released %d", n, err, serial)
	}
}
