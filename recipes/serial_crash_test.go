package recipes

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flashstation/flashstation/jobs"
)

// The serial crash test: a child process runs a recipe that writes the unit
// serial before verifying, and kills itself with SIGKILL at one point; the
// parent reopens the store, as a restarted station would, and checks that a
// number that may have reached the board is burned against that unit and
// never handed to another, while a number that never left the station is
// reused.
const (
	serialCrashDB    = "FLASHSTATION_RECIPES_SERIAL_CRASH_DB"
	serialCrashPoint = "FLASHSTATION_RECIPES_SERIAL_CRASH_AT"
)

// read-id, program, write serial, verify, reset: the write is step 3.
const crashSteps = "[[step]]\naction = \"read-id\"\n[[step]]\naction = \"program\"\n" +
	"[[step]]\naction = \"write\"\nserial = true\n[[step]]\naction = \"verify\"\n[[step]]\naction = \"reset\"\n"

const crashWriteStep = 2 // 0-based index of the write step in crashSteps

var crashUnitA, crashUnitB = []byte{0xA1, 0xA1}, []byte{0xB2, 0xB2}

// crashRecorder kills the process right after a Reserve or a Spend returns.
type crashRecorder struct {
	*jobs.Store
	at string
}

func (c crashRecorder) Reserve(ctx context.Context, series string, first uint64, id jobs.ID) (uint64, error) {
	n, err := c.Store.Reserve(ctx, series, first, id)
	if c.at == "reserved" {
		die()
	}
	return n, err
}

func (c crashRecorder) Spend(ctx context.Context, id jobs.ID) error {
	err := c.Store.Spend(ctx, id)
	if c.at == "spent" {
		die()
	}
	return err
}

func die() {
	fmt.Println("DYING")
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // the signal ends the process; nothing after it may run
}

func TestSerialCrashChild(t *testing.T) {
	path, at := os.Getenv(serialCrashDB), os.Getenv(serialCrashPoint)
	if path == "" {
		t.Skip("runs only as TestSerialSpentAcrossCrashes' child")
	}
	store, err := jobs.Open(path, jobs.Options{Timeout: 2 * time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(3)
	}
	sess := newFakeSession()
	sess.uid = crashUnitA
	if at == "mid-write" {
		sess.onWrite = die
	}
	run := &Run{Recipe: testRecipe(t, crashSteps), Session: sess, Store: crashRecorder{store, at},
		Events: func(e Event) {
			if (e.Kind == StepStarted && at == fmt.Sprintf("before-%d", e.Step)) ||
				(e.Kind == StepFinished && at == "end" && e.Step == 4) {
				die()
			}
		}}
	fmt.Println("RUNNING")
	_, err = run.Execute(context.Background())
	fmt.Println("ERR the attempt ended without being killed:", err)
	os.Exit(4)
}

func TestSerialSpentAcrossCrashes(t *testing.T) {
	if os.Getenv(serialCrashDB) != "" {
		t.Skip("child")
	}
	tests := []struct {
		at   string
		want string // state of the killed attempt's serial; "" for none
	}{
		{"before-0", ""}, // read-id
		{"before-1", ""}, // program
		{"before-2", ""}, // write
		{"reserved", jobs.SerialReleased},
		{"spent", jobs.SerialBurned},
		{"mid-write", jobs.SerialBurned},
		{"before-3", jobs.SerialBurned}, // verify: the reproduction
		{"before-4", jobs.SerialBurned}, // reset
		{"end", jobs.SerialBurned},      // every step done, the end not recorded
	}
	for _, tt := range tests {
		t.Run(tt.at, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "a.db")
			killedAt(t, path, tt.at)
			store, err := jobs.Open(path, jobs.Options{Timeout: 2 * time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			ctx := context.Background()
			all, err := store.Query(ctx, jobs.Filter{})
			if err != nil || len(all) != 1 {
				t.Fatalf("after the crash: %d attempts, %v; want the killed one", len(all), err)
			}
			killed := all[0]
			if killed.Result != jobs.Interrupted {
				t.Errorf("killed attempt result %s, want interrupted", killed.Result)
			}
			switch {
			case tt.want == "" && len(killed.Serials) != 0:
				t.Errorf("killed before the write step, serials %+v; want none", killed.Serials)
			case tt.want != "" && (len(killed.Serials) != 1 || killed.Serials[0].State != tt.want || killed.Serials[0].Number != 1):
				t.Errorf("killed attempt serials %+v, want number 1 %s", killed.Serials, tt.want)
			}
			r := testRecipe(t, crashSteps)
			other := newFakeSession()
			other.uid = crashUnitB
			b, err := (&Run{Recipe: r, Session: other, Store: store}).Execute(ctx)
			if err != nil || b.Result != jobs.Pass {
				t.Fatalf("next board: %v, %+v", err, b)
			}
			rerun := newFakeSession()
			rerun.uid = crashUnitA
			a, err := (&Run{Recipe: r, Session: rerun, Store: store}).Execute(ctx)
			if err != nil || a.Result != jobs.Pass {
				t.Fatalf("rerun of the killed unit: %v, %+v", err, a)
			}
			wantB, wantA := uint64(1), uint64(2) // the number never left the station: reused
			if tt.want == jobs.SerialBurned {
				wantB, wantA = 2, 1 // spent: the next board gets a new one, the unit keeps its own
			}
			if b.Serials[0].Number != wantB {
				t.Errorf("the next board got serial %d, want %d", b.Serials[0].Number, wantB)
			}
			if a.Serials[0].Number != wantA {
				t.Errorf("the rerun of the killed unit got serial %d, want %d", a.Serials[0].Number, wantA)
			}
		})
	}
}

// killedAt runs the child until it kills itself at point at.
func killedAt(t *testing.T, path, at string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSerialCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), serialCrashDB+"="+path, serialCrashPoint+"="+at)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var said []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		said = append(said, sc.Text())
	}
	err = cmd.Wait()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL || !strings.Contains(strings.Join(said, "\n"), "DYING") {
		t.Fatalf("child was not killed at %s: %v; it said %q", at, err, said)
	}
}
