package recipes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/targets"
)

// fakeSession is a board in memory: flash as a map, with scripted failures.
type fakeSession struct {
	mu       sync.Mutex
	devID    uint32
	flash    map[uint32]byte
	fail     map[string][]error // per method: errors returned on successive calls
	block    map[string]bool    // methods that block until ctx ends
	calls    []string
	locked   bool
	lockTake bool
	uid      []byte // the unit UID Identify reports (default 1F2E3D)
	// onWrite, when set, runs inside WriteBytes once half the bytes are written.
	onWrite func()
}

func newFakeSession() *fakeSession {
	return &fakeSession{devID: 0x410, flash: map[uint32]byte{}, fail: map[string][]error{}, block: map[string]bool{}, lockTake: true}
}

func (f *fakeSession) enter(ctx context.Context, name string) error {
	f.mu.Lock()
	f.calls = append(f.calls, name)
	var err error
	if q := f.fail[name]; len(q) > 0 {
		err, f.fail[name] = q[0], q[1:]
	}
	block := f.block[name]
	f.mu.Unlock()
	if block {
		<-ctx.Done()
		return ctx.Err()
	}
	return err
}

func (f *fakeSession) Identify(ctx context.Context) (targets.Identity, error) {
	if err := f.enter(ctx, "identify"); err != nil {
		return targets.Identity{}, err
	}
	targets.Logf(ctx, slog.LevelInfo, "fake identify")
	uid := f.uid
	if uid == nil {
		uid = []byte{0x1F, 0x2E, 0x3D}
	}
	return targets.Identity{Part: "STM32F103C8", DeviceID: f.devID, Revision: "Y", FlashKiB: 64, UID: uid}, nil
}
func (f *fakeSession) Unlock(ctx context.Context, p targets.ProgressFunc) error {
	if err := f.enter(ctx, "unlock"); err != nil {
		return err
	}
	f.flash = map[uint32]byte{}
	return nil
}
func (f *fakeSession) MassErase(ctx context.Context, p targets.ProgressFunc) error {
	return f.enter(ctx, "mass-erase")
}
func (f *fakeSession) Erase(ctx context.Context, addr, size uint32, p targets.ProgressFunc) error {
	return f.enter(ctx, "erase")
}
func (f *fakeSession) Program(ctx context.Context, img []targets.Segment, o targets.ProgramOptions, p targets.ProgressFunc) error {
	if err := f.enter(ctx, fmt.Sprintf("program skip=%v", o.SkipErase)); err != nil {
		return err
	}
	if err := f.enter(ctx, "program"); err != nil {
		return err
	}
	for _, s := range img {
		for i, b := range s.Data {
			f.flash[s.Addr+uint32(i)] = b
		}
		if p != nil {
			p(targets.Progress{Phase: targets.PhaseProgram, Done: int64(len(s.Data)), Total: int64(len(s.Data))})
		}
	}
	return nil
}
func (f *fakeSession) Verify(ctx context.Context, img []targets.Segment, p targets.ProgressFunc) error {
	if err := f.enter(ctx, "verify"); err != nil {
		return err
	}
	for _, s := range img {
		for i, b := range s.Data {
			if got := f.flash[s.Addr+uint32(i)]; got != b {
				return &targets.VerifyError{Addr: s.Addr + uint32(i), Want: []byte{b}, Got: []byte{got}, Mismatch: 1}
			}
		}
	}
	return nil
}
func (f *fakeSession) WriteBytes(ctx context.Context, addr uint32, data []byte) error {
	if err := f.enter(ctx, "write"); err != nil {
		return err
	}
	for i, b := range data {
		if i == len(data)/2 && f.onWrite != nil {
			f.onWrite()
		}
		f.flash[addr+uint32(i)] = b
	}
	return nil
}
func (f *fakeSession) Lock(ctx context.Context) (targets.ProtectionState, error) {
	if err := f.enter(ctx, "lock"); err != nil {
		return targets.ProtectionState{}, err
	}
	return targets.ProtectionState{Protected: f.lockTake, Level: "RDP level 1"}, nil
}
func (f *fakeSession) Reset(ctx context.Context, halt bool) error { return f.enter(ctx, "reset") }
func (f *fakeSession) Close() error                               { return nil }

var _ targets.Session = (*fakeSession)(nil)

func testRecipe(t *testing.T, steps string) *Recipe {
	t.Helper()
	dir := t.TempDir()
	pin := writeFirmware(t, dir, 2048, 0x08000000)
	head := goodF1[:strings.Index(goodF1, "[[step]]")]
	if !strings.Contains(steps, "serial = true") {
		head = head[:strings.Index(head, "[serial]")]
	}
	text := strings.Replace(head, "PIN", pin, 1) + steps
	r, err := parseIn(t, dir, text)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func testStore(t *testing.T) *jobs.Store {
	t.Helper()
	s, err := jobs.Open(filepath.Join(t.TempDir(), "a.db"), jobs.Options{Timeout: time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

const allSteps = `[[step]]
action = "read-id"
[[step]]
action = "unlock"
allow_erase = true
[[step]]
action = "program"
retries = 1
[[step]]
action = "verify"
[[step]]
action = "write"
serial = true
[[step]]
action = "reset"
`

func TestExecutePass(t *testing.T) {
	r := testRecipe(t, allSteps)
	store := testStore(t)
	sess := newFakeSession()
	var events []Event
	run := &Run{Recipe: r, Session: sess, Store: store, Station: "st1", Slot: "A1", ProbeSerial: "P1",
		Events: func(e Event) { events = append(events, e) }}
	a, err := run.Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a.Result != jobs.Pass || len(a.Steps) != 6 || a.UnitUID == "" {
		t.Fatalf("attempt = %+v", a)
	}
	if !strings.Contains(strings.Join(sess.calls, ","), "program skip=true") {
		t.Errorf("program after unlock did not skip erase: %v", sess.calls)
	}
	if got := string(bytes.TrimRight(flashBytes(sess, 0x0800FC00, 9), "\x00")); got != "BP-000001" {
		t.Errorf("serial in flash = %q", got)
	}
	saved, err := store.ByUnit(context.Background(), a.UnitUID)
	if err != nil || len(saved) != 1 || saved[0].Result != jobs.Pass || len(saved[0].Serials) != 1 || saved[0].Serials[0].State != jobs.SerialCommitted {
		t.Fatalf("stored = %+v, %v", saved, err)
	}
	if !strings.Contains(fmt.Sprint(saved[0].Steps[0].Log), "found STM32F103C8 (0x410) rev Y") {
		t.Errorf("read-id log = %v", saved[0].Steps[0].Log)
	}
	var progress, finished int
	for _, e := range events {
		switch e.Kind {
		case StepProgress:
			progress++
		case StepFinished:
			finished++
		}
	}
	if progress == 0 || finished != 6 {
		t.Errorf("events: %d progress, %d finished", progress, finished)
	}
}

func flashBytes(f *fakeSession, addr uint32, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = f.flash[addr+uint32(i)]
	}
	return out
}

func TestExecuteFailures(t *testing.T) {
	for _, tc := range []struct {
		name       string
		steps      string
		setup      func(*fakeSession)
		ctxTimeout time.Duration
		result     jobs.Result
		failed     string
		errText    string
	}{
		{"wrong chip", allSteps, func(f *fakeSession) { f.devID = 0x431 }, 0, jobs.Fail, "step 1 (read-id)",
			"expected STM32F103C8 (0x410), found STM32F103C8 (0x431)"},
		{"verify mismatch", allSteps, func(f *fakeSession) {
			f.fail["verify"] = []error{&targets.VerifyError{Addr: 0x08000010, Want: []byte{1}, Got: []byte{0xFF}, Mismatch: 1}}
		}, 0, jobs.Fail, "step 4 (verify)", "verify failed at 0x08000010"},
		{"retry exhausted", allSteps, func(f *fakeSession) { f.fail["program"] = []error{errors.New("PGERR"), errors.New("PGERR")} },
			0, jobs.Fail, "step 3 (program)", "PGERR"},
		{"probe disconnected", allSteps, func(f *fakeSession) { f.fail["unlock"] = []error{fmt.Errorf("sim: %w", link.ErrDisconnected)} },
			0, jobs.Error, "step 2 (unlock)", "probe disconnected"},
		{"step timeout", "[[step]]\naction = \"reset\"\ntimeout = \"20ms\"\n", func(f *fakeSession) { f.block["reset"] = true },
			0, jobs.Fail, "step 1 (reset)", "step 1 (reset) timed out after 20ms"},
		{"abort", "[[step]]\naction = \"reset\"\n", func(f *fakeSession) { f.block["reset"] = true },
			30 * time.Millisecond, jobs.Aborted, "step 1 (reset)", "context deadline exceeded"},
		{"lock does not take", "[[step]]\naction = \"lock\"\n", func(f *fakeSession) { f.lockTake = false },
			0, jobs.Fail, "step 1 (lock)", "lock did not take"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := testRecipe(t, tc.steps)
			store := testStore(t)
			sess := newFakeSession()
			tc.setup(sess)
			ctx := context.Background()
			if tc.ctxTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctxTimeout)
				defer cancel()
			}
			a, err := (&Run{Recipe: r, Session: sess, Store: store}).Execute(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if a.Result != tc.result || a.FailedStep != tc.failed || !strings.Contains(a.Error, tc.errText) {
				t.Errorf("got %s at %q: %q; want %s at %q: %q", a.Result, a.FailedStep, a.Error, tc.result, tc.failed, tc.errText)
			}
			got, err := store.Get(context.Background(), a.ID)
			if err != nil || got.Result != tc.result {
				t.Errorf("stored %+v, %v", got, err)
			}
		})
	}
}

func TestRetrySucceedsAndLogs(t *testing.T) {
	r := testRecipe(t, allSteps)
	sess := newFakeSession()
	sess.fail["program"] = []error{errors.New("flash busy")}
	a, err := (&Run{Recipe: r, Session: sess, Store: testStore(t)}).Execute(context.Background())
	if err != nil || a.Result != jobs.Pass {
		t.Fatalf("%v %+v", err, a)
	}
	if a.Steps[2].Tries != 2 || !strings.Contains(fmt.Sprint(a.Steps[2].Log), "try 1 failed: flash busy; retrying") {
		t.Errorf("program step = %+v", a.Steps[2])
	}
}

func TestOptionalStepFailureContinues(t *testing.T) {
	r := testRecipe(t, "[[step]]\naction = \"reset\"\noptional = true\n[[step]]\naction = \"read-id\"\n")
	sess := newFakeSession()
	sess.fail["reset"] = []error{errors.New("no reset line")}
	a, _ := (&Run{Recipe: r, Session: sess, Store: testStore(t)}).Execute(context.Background())
	if a.Result != jobs.Pass || a.Steps[0].Result != jobs.Fail || len(a.Steps) != 2 {
		t.Errorf("attempt = %+v", a)
	}
}

// TestSerialSpentOnFailure: a number written to a board that then fails is
// burned, never given to the next board, and given back to a rerun of the
// same unit; a number that was never written (the store failed before its
// first byte) is reused, and that store failure is the station's error,
// not the board's fail.
func TestSerialSpentOnFailure(t *testing.T) {
	steps := allSteps + "[[step]]\naction = \"lock\"\n"
	r := testRecipe(t, steps)
	store := testStore(t)
	board := func(uid byte, lockTakes bool) *fakeSession {
		s := newFakeSession()
		s.uid, s.lockTake = []byte{uid, uid}, lockTakes
		return s
	}
	tests := []struct {
		name   string
		sess   *fakeSession
		result jobs.Result
		want   jobs.Serial
	}{
		{"lock fails after the write", board(0xA1, false), jobs.Fail, jobs.Serial{Series: "bluepill", Number: 1, State: jobs.SerialBurned}},
		{"next board", board(0xB2, true), jobs.Pass, jobs.Serial{Series: "bluepill", Number: 2, State: jobs.SerialCommitted}},
		{"rerun keeps its number", board(0xA1, true), jobs.Pass, jobs.Serial{Series: "bluepill", Number: 1, State: jobs.SerialCommitted}},
		// A full disk is the station's fault, not the board's: error.
		{"store refuses the spend", nil, jobs.Error, jobs.Serial{Series: "bluepill", Number: 3, State: jobs.SerialReleased}},
		{"released number reused", board(0xD4, true), jobs.Pass, jobs.Serial{Series: "bluepill", Number: 3, State: jobs.SerialCommitted}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec Recorder = store
			sess := tt.sess
			if sess == nil {
				sess = board(0xC3, true)
				rec = failSpend{store}
			}
			a, err := (&Run{Recipe: r, Session: sess, Store: rec}).Execute(context.Background())
			if err != nil || a.Result != tt.result || len(a.Serials) != 1 || a.Serials[0] != tt.want {
				t.Fatalf("%v: %s, serials %+v; want %s with %+v", err, a.Result, a.Serials, tt.result, tt.want)
			}
			if tt.sess == nil && slices.Contains(sess.calls, "write") {
				t.Errorf("the serial was written although the store refused to spend it: %v", sess.calls)
			}
		})
	}
}

// failSpend is a store whose Spend fails, as a full disk would.
type failSpend struct{ *jobs.Store }

func (failSpend) Spend(context.Context, jobs.ID) error { return errors.New("no space left on device") }

func TestUnlockIfLocked(t *testing.T) {
	steps := "[[step]]\naction = \"read-id\"\n[[step]]\naction = \"unlock\"\nallow_erase = true\nif_locked = true\n"
	r := testRecipe(t, steps)
	sess := newFakeSession()
	a, _ := (&Run{Recipe: r, Session: sess, Store: testStore(t)}).Execute(context.Background())
	if a.Result != jobs.Pass || strings.Contains(strings.Join(sess.calls, ","), "unlock") {
		t.Errorf("unlocked an open chip: %v, %s", sess.calls, a.Result)
	}
	if !strings.Contains(fmt.Sprint(a.Steps[1].Log), "nothing to unlock") {
		t.Errorf("log = %v", a.Steps[1].Log)
	}
	if _, err := parseIn(t, t.TempDir(), "[target]\nfamily=\"stm32f1\"\nvariant=\"stm32f103c8\"\n[firmware]\npath=\"x\"\nsha256=\"00\"\n[[step]]\naction = \"unlock\"\nallow_erase = true\nif_locked = true\n"); err == nil || !strings.Contains(err.Error(), "if_locked needs a read-id step before it") {
		t.Errorf("if_locked without read-id: %v", err)
	}
}

func TestConnectStepRecorded(t *testing.T) {
	r := testRecipe(t, "[[step]]\naction = \"read-id\"\n")
	store := testStore(t)
	a, err := (&Run{Recipe: r, Store: store, Connect: func(ctx context.Context) (targets.Session, error) {
		return nil, errors.New("no target answers: is a board seated in this slot and powered?")
	}}).Execute(context.Background())
	if err != nil || a.Result != jobs.Fail || a.FailedStep != "connect" || len(a.Steps) != 1 || !strings.Contains(a.Error, "is a board seated") {
		t.Fatalf("attempt = %+v, %v", a, err)
	}
	sess := newFakeSession()
	a, _ = (&Run{Recipe: r, Store: store, Connect: func(ctx context.Context) (targets.Session, error) { return sess, nil }}).Execute(context.Background())
	if a.Result != jobs.Pass || len(a.Steps) != 2 || a.Steps[0].Name != "connect" {
		t.Fatalf("attempt = %+v", a)
	}
}

// countingStore counts checkpoints.
type countingStore struct {
	Recorder
	checkpoints int
}

func (c *countingStore) Checkpoint(ctx context.Context, a *jobs.Attempt) error {
	c.checkpoints++
	return c.Recorder.Checkpoint(ctx, a)
}

func TestCheckpointsAreSpaced(t *testing.T) {
	r := testRecipe(t, allSteps)
	for _, tc := range []struct {
		every time.Duration
		want  int
	}{
		{0, 1},               // fast steps: only the save after read-id
		{-1, 6},              // after every step
		{time.Nanosecond, 6}, // every step is past the spacing
	} {
		cs := &countingStore{Recorder: testStore(t)}
		a, err := (&Run{Recipe: r, Session: newFakeSession(), Store: cs, CheckpointEvery: tc.every}).Execute(context.Background())
		if err != nil || a.Result != jobs.Pass {
			t.Fatalf("%v %v", a, err)
		}
		if cs.checkpoints != tc.want {
			t.Errorf("CheckpointEvery %v: %d checkpoints, want %d", tc.every, cs.checkpoints, tc.want)
		}
	}
}

// cancellingSession cancels the attempt from inside reset and then
// returns success, as a session that ignores ctx would.
type cancellingSession struct {
	*fakeSession
	cancel context.CancelFunc
}

func (c cancellingSession) Reset(ctx context.Context, halt bool) error {
	c.cancel()
	return c.fakeSession.Reset(ctx, halt)
}

func TestAbortBetweenStepsStopsTheAttempt(t *testing.T) {
	r := testRecipe(t, "[[step]]\naction = \"reset\"\n[[step]]\naction = \"read-id\"\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sess := cancellingSession{newFakeSession(), cancel}
	a, err := (&Run{Recipe: r, Session: sess, Store: testStore(t)}).Execute(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a.Result != jobs.Aborted || !strings.Contains(a.FailedStep, "read-id") || slices.Contains(sess.calls, "identify") {
		t.Fatalf("attempt %s at %q (%s); calls %v: want aborted before read-id, which never ran", a.Result, a.FailedStep, a.Error, sess.calls)
	}
}

func TestAbortDuringOptionalLastStepIsNotAPass(t *testing.T) {
	r := testRecipe(t, "[[step]]\naction = \"read-id\"\n[[step]]\naction = \"reset\"\noptional = true\n")
	sess := newFakeSession()
	sess.block["reset"] = true
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	a, _ := (&Run{Recipe: r, Session: sess, Store: testStore(t)}).Execute(ctx)
	if a.Result == jobs.Pass {
		t.Fatalf("an attempt aborted in its optional last step recorded as %s", a.Result)
	}
}

// A Run with no way to reach a board is a programming error: Execute says
// so instead of panicking, and records nothing.
func TestExecuteWithoutSessionOrConnect(t *testing.T) {
	r := testRecipe(t, "[[step]]\naction = \"read-id\"\n")
	store := testStore(t)
	a, err := (&Run{Recipe: r, Store: store}).Execute(context.Background())
	if err == nil || err.Error() != "recipes: Run needs a Session or a Connect function" || a != nil {
		t.Fatalf("Execute = %+v, %v; want no attempt and the error", a, err)
	}
	if all, err := store.Query(context.Background(), jobs.Filter{}); err != nil || len(all) != 0 {
		t.Fatalf("store holds %d attempts (%v), want none", len(all), err)
	}
}
