package station

import (
	"cmp"
	"context"
	"encoding/hex"
	"fmt"
	"github.com/flashstation/flashstation/central"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/discover"
	"github.com/flashstation/flashstation/drivers/sim"
	"github.com/flashstation/flashstation/fixtures"
	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/recipes"
	"github.com/flashstation/flashstation/recipes/firmware"
	"github.com/flashstation/flashstation/targets"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fakeSession is a board that answers instantly; behave scripts one call.
type fakeSession struct {
	uid    []byte
	behave func(ctx context.Context, op string) error
}

var _ targets.Session = (*fakeSession)(nil)

func (f *fakeSession) do(ctx context.Context, op string) error {
	if f.behave != nil {
		return f.behave(ctx, op)
	}
	return nil
}
func (f *fakeSession) Identify(ctx context.Context) (targets.Identity, error) {
	if err := f.do(ctx, "identify"); err != nil {
		return targets.Identity{}, err
	}
	return targets.Identity{Family: "stm32f1", Part: "STM32F103C8", DeviceID: 0x410, Revision: "Y", FlashKiB: 64, UID: f.uid}, nil
}
func (f *fakeSession) Unlock(ctx context.Context, p targets.ProgressFunc) error {
	return f.do(ctx, "unlock")
}
func (f *fakeSession) MassErase(ctx context.Context, p targets.ProgressFunc) error {
	return f.do(ctx, "mass-erase")
}
func (f *fakeSession) Erase(ctx context.Context, a, n uint32, p targets.ProgressFunc) error {
	return f.do(ctx, "erase")
}
func (f *fakeSession) Program(ctx context.Context, img []targets.Segment, o targets.ProgramOptions, p targets.ProgressFunc) error {
	if p != nil {
		p(targets.Progress{Phase: targets.PhaseProgram, Done: 512, Total: 1024})
		p(targets.Progress{Phase: targets.PhaseProgram, Done: 1024, Total: 1024})
	}
	return f.do(ctx, "program")
}
func (f *fakeSession) Verify(ctx context.Context, img []targets.Segment, p targets.ProgressFunc) error {
	return f.do(ctx, "verify")
}
func (f *fakeSession) WriteBytes(ctx context.Context, a uint32, d []byte) error {
	return f.do(ctx, "write")
}
func (f *fakeSession) Lock(ctx context.Context) (targets.ProtectionState, error) {
	return targets.ProtectionState{Protected: true}, f.do(ctx, "lock")
}
func (f *fakeSession) Reset(ctx context.Context, halt bool) error { return f.do(ctx, "reset") }
func (f *fakeSession) Close() error                               { return nil }

// fakeProbe stands for an opened probe when tests skip the USB drivers.
type fakeProbe struct{ f discover.Found }

func (p fakeProbe) Identity() drivers.Identity { return drivers.Identity{Serial: p.f.Serial} }
func (p fakeProbe) Connect(context.Context, drivers.ConnectOptions) (uint32, error) {
	return 0x1BA01477, nil
}
func (p fakeProbe) Disconnect(context.Context) error { return nil }
func (p fakeProbe) Close() error                     { return nil }

var _ drivers.Probe = fakeProbe{}

const testSteps = `
[[step]]
action = "read-id"
[[step]]
action = "program"
[[step]]
action = "verify"
[[step]]
action = "reset"
`

// testRecipe writes a Blue Pill recipe with a small image into dir.
func testRecipe(tb testing.TB, dir, steps string) *recipes.Recipe {
	tb.Helper()
	data := make([]byte, 1024)
	for i := range data {
		data[i] = byte(i * 13)
	}
	fw := filepath.Join(dir, "fw.bin")
	if err := os.WriteFile(fw, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	base := uint32(0x08000000)
	img, err := firmware.Load(fw, firmware.Options{Base: &base})
	if err != nil {
		tb.Fatal(err)
	}
	text := fmt.Sprintf("name = \"bluepill\"\n[target]\nfamily = \"stm32f1\"\nvariant = \"stm32f103c8\"\n[firmware]\npath = \"fw.bin\"\nbase = 0x08000000\nsha256 = %q\n%s",
		hex.EncodeToString(img.SHA256[:]), steps)
	r, err := recipes.Parse(filepath.Join(dir, "r.toml"), []byte(text))
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// rig is a station on a simulated fixture with fake sessions.
type rig struct {
	st      *Station
	fx      *sim.Fixture
	store   *jobs.Store
	reg     *prometheus.Registry
	cancel  context.CancelFunc
	done    chan struct{}
	boards  atomic.Uint64
	mu      sync.Mutex
	behave  map[string]func(ctx context.Context, op string) error // by slot name
	reseats atomic.Int64
}

type rigOpts struct {
	spec     string
	mode     fixtures.Mode
	retries  int
	deadline time.Duration
	realDrv  bool // open probes through the real drivers instead of fakeProbe
	noSync   bool
	slots    int // only the first n probes get a slot (0: all)
	// sameBoard keeps one board (UID) on each probe: a new cycle retests
	// it instead of seeing a fresh one.
	sameBoard bool
	scanEvery time.Duration // probe scan interval (0: 5 ms)
	// presence, when set, answers auto mode's board-present check; dflt
	// is the station's own.
	presence func(ctx context.Context, f discover.Found, dflt func(context.Context, discover.Found) bool) bool
	central  interface{ Status() central.Status }
	steps    string                  // recipe steps (and [serial]); "" is testSteps
	wrap     func(*jobs.Store) Store // the store the station sees (nil: the store itself)
}

func newRig(tb testing.TB, o rigOpts) *rig {
	tb.Helper()
	dir := tb.TempDir()
	fx, err := sim.New(o.spec, sim.Options{Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	store, err := jobs.Open(filepath.Join(dir, "a.db"), jobs.Options{Logger: quiet, NoSync: o.noSync})
	if err != nil {
		tb.Fatal(err)
	}
	rc := testRecipe(tb, dir, cmp.Or(o.steps, testSteps))
	r := &rig{fx: fx, store: store, reg: prometheus.NewRegistry(), behave: map[string]func(context.Context, string) error{}}
	var slots []SlotConfig
	for i, p := range fx.Bus.Probes() {
		if o.slots > 0 && i >= o.slots {
			break
		}
		sel, _ := discover.ParseSelector(p.Port())
		slots = append(slots, SlotConfig{Slot: fixtures.Slot{Name: fmt.Sprintf("S%02d", i+1), Probe: sel,
			Place: fixtures.Place{Row: 1 + i/8, Col: 1 + i%8}, Retries: o.retries, RetryOn: []jobs.Result{jobs.Error}}, Recipe: rc})
	}
	var seen Store = store
	if o.wrap != nil {
		seen = o.wrap(store)
	}
	opts := Options{Name: "test", Mode: o.mode, Slots: slots, Bus: fx.Bus, Store: seen, Registry: r.reg, Log: quiet,
		ScanInterval: cmp.Or(o.scanEvery, 5*time.Millisecond), HangGrace: 50 * time.Millisecond, AttemptDeadline: o.deadline,
		Connect: func(ctx context.Context, p drivers.Probe, rc *recipes.Recipe) (targets.Session, error) {
			serial := p.Identity().Serial
			n := r.boards.Add(1)
			uid := []byte(fmt.Sprintf("%04d%08d", len(serial), n))
			if o.sameBoard {
				uid = []byte(hex.EncodeToString([]byte(serial))[:12])
			}
			r.mu.Lock()
			defer r.mu.Unlock()
			for name, b := range r.behave {
				if strings.HasSuffix(name, serial) {
					return &fakeSession{uid: uid, behave: b}, nil
				}
			}
			return &fakeSession{uid: uid}, nil
		},
		AfterSlot: func(slot string, a *jobs.Attempt) { r.reseats.Add(1) },
		Central:   o.central,
	}
	if !o.realDrv {
		opts.OpenProbe = func(ctx context.Context, f discover.Found) (drivers.Probe, error) { return fakeProbe{f}, nil }
	}
	if o.presence != nil {
		opts.BoardPresent = func(ctx context.Context, f discover.Found) bool {
			return o.presence(ctx, f, r.st.opts.defaultBoardPresent) // New filled in the defaults
		}
	}
	st, err := New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	r.st = st
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan struct{})
	go func() { st.Run(ctx); close(r.done) }()
	tb.Cleanup(r.stop)
	r.waitFor(tb, "every slot idle", func() bool {
		for _, v := range st.Slots() {
			if v.State != StateIdle {
				return false
			}
		}
		return true
	})
	return r
}

// setBehave scripts the session of the probe with serial.
func (r *rig) setBehave(serial string, b func(ctx context.Context, op string) error) {
	r.mu.Lock()
	r.behave["probe:"+serial] = b
	r.mu.Unlock()
}

func (r *rig) stop() {
	r.cancel()
	<-r.done
	r.store.Close()
}

func (r *rig) waitFor(tb testing.TB, what string, ok func() bool) {
	tb.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(2 * time.Millisecond) {
		if ok() {
			return
		}
	}
	tb.Fatalf("timed out waiting for %s; slots %+v", what, r.st.Slots())
}

// cycle presses and waits for the cycle to end.
func (r *rig) cycle(tb testing.TB) CycleResult {
	tb.Helper()
	res := r.st.Cycle("api")
	if !res.Started {
		tb.Fatalf("cycle not started: %+v", res)
	}
	r.waitFor(tb, "cycle end", r.st.Idle)
	return res
}

func (r *rig) slot(name string) SlotView {
	for _, v := range r.st.Slots() {
		if v.Name == name {
			return v
		}
	}
	return SlotView{}
}

// holdInProgram is a board whose program step runs until the attempt is
// cancelled (abort, unplug, deadline, stop).
func holdInProgram(ctx context.Context, op string) error {
	if op == "program" {
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}
