package central

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/flashstation/flashstation/jobs"
)

func openLeased(t testing.TB) *jobs.Store {
	t.Helper()
	s, err := jobs.Open(filepath.Join(t.TempDir(), "attempts.db"), jobs.Options{LeasedSerials: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type recorder interface {
	Begin(ctx context.Context, a *jobs.Attempt) error
	Reserve(ctx context.Context, series string, first uint64, id jobs.ID) (uint64, error)
	Spend(ctx context.Context, id jobs.ID) error
	Finish(ctx context.Context, a *jobs.Attempt) error
}

// unitAttempt records one attempt of a new unit that takes a number of
// series sn: kind 0 passes (committed), 1 fails after the write (burned),
// 2 fails before it (released, reused by the next unit).
func unitAttempt(ctx context.Context, s recorder, uid string, kind int) (uint64, error) {
	a := &jobs.Attempt{Recipe: "r", UnitUID: uid}
	if err := s.Begin(ctx, a); err != nil {
		return 0, err
	}
	n, err := s.Reserve(ctx, "sn", 0, a.ID)
	if err == nil && kind != 2 {
		err = s.Spend(ctx, a.ID)
	}
	a.Result = jobs.Pass
	if kind != 0 || err != nil {
		a.Result = jobs.Fail
	}
	if ferr := s.Finish(ctx, a); ferr != nil {
		return 0, ferr
	}
	return n, err
}

// TestSerialRace: three stations lease blocks of one series at once and
// hand numbers out; then give the rest back. Leases never overlap, no
// number reaches two units, and every leased number is recorded centrally
// as committed, burned or skipped.
func TestSerialRace(t *testing.T) {
	base := testConfig(t, "x")
	ctx := testCtx(t)
	admin := newClient(t, base)
	if err := admin.DefineSeries(ctx, "sn", 5000); err != nil {
		t.Fatal(err)
	}
	if err := admin.DefineSeries(ctx, "sn", 5000); err != nil {
		t.Fatalf("defining again: %v", err)
	}
	if err := admin.DefineSeries(ctx, "sn", 1); err == nil || !strings.Contains(err.Error(), "already defined starting at 5000") {
		t.Fatalf("another first: %v", err)
	}
	const stations, units = 3, 60
	type st struct {
		store *jobs.Store
		c     *Client
		l     *Leaser
		f     *Forwarder
		got   map[uint64]string // number -> unit, committed or burned
	}
	all := make([]*st, stations)
	for i := range all {
		cfg := base
		cfg.Station, cfg.BlockSize, cfg.Refill = fmt.Sprintf("st%d", i), 7, 3
		c := newClient(t, cfg)
		store := openLeased(t)
		f, _ := NewForwarder(c, store, nil, slog.New(slog.DiscardHandler))
		all[i] = &st{store: store, c: c, l: NewLeaser(c, store, []string{"sn"}, slog.New(slog.DiscardHandler)), f: f, got: map[uint64]string{}}
	}
	var wg sync.WaitGroup
	for i, s := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range units {
				if err := s.l.Step(ctx); err != nil {
					t.Error(err)
					return
				}
				uid := fmt.Sprintf("%02x%06x", i, u)
				n, err := unitAttempt(ctx, s.store, uid, u%5%3)
				if err != nil {
					t.Error(err)
					return
				}
				if u%5%3 != 2 {
					s.got[n] = uid
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	owner := map[uint64]string{}
	for _, s := range all {
		for n, uid := range s.got {
			if prev, ok := owner[n]; ok {
				t.Fatalf("number %d went to units %s and %s", n, prev, uid)
			}
			owner[n] = uid
		}
		drain(t, s.f)
		if err := s.l.GiveBack(ctx, "sn"); err != nil {
			t.Fatal(err)
		}
		if got := testutil.ToFloat64(s.f.m.serialConflicts); got != 0 {
			t.Fatalf("%v conflicts", got)
		}
	}
	if n := count(t, admin, `SELECT count(*) FROM serial_leases a JOIN serial_leases b ON a.id < b.id AND a.series = b.series
		AND a.first <= b.last AND b.first <= a.last`); n != 0 {
		t.Fatalf("%d overlapping leases", n)
	}
	leased := count(t, admin, "SELECT coalesce(sum(last - first + 1), 0) FROM serial_leases")
	recorded := count(t, admin, "SELECT count(*) FROM serials")
	used := count(t, admin, "SELECT count(*) FROM serials WHERE state IN ('committed', 'burned')")
	if used != len(owner) || recorded != leased || leased < len(owner) {
		t.Fatalf("leased %d, recorded %d (used %d, want %d): every leased number must be recorded once", leased, recorded, used, len(owner))
	}
	if n := count(t, admin, "SELECT count(*) FROM serial_leases WHERE closed IS NULL"); n != 0 {
		t.Fatalf("%d leases open after giving back", n)
	}
	t.Logf("%d stations × %d units: %d leases, %d numbers: %d used, %d skipped", stations, units,
		count(t, admin, "SELECT count(*) FROM serial_leases"), leased, used, recorded-used)
}

// TestSerialsOffline: with the server down a station goes on with the
// block it holds, then refuses with a reason naming the series; after the
// restart it leases again. A lease that committed centrally but never
// reached the store (a crash in between) is taken back, not lost.
func TestSerialsOffline(t *testing.T) {
	pg := needPG(t)
	cfg := testConfig(t, "st")
	cfg.BlockSize, cfg.Refill = 4, 1
	ctx := testCtx(t)
	c := newClient(t, cfg)
	if err := c.DefineSeries(ctx, "sn", 100); err != nil {
		t.Fatal(err)
	}
	orphan, err := c.Lease(ctx, "sn") // the station died before AddBlock
	if err != nil {
		t.Fatal(err)
	}
	store := openLeased(t)
	l := NewLeaser(c, store, []string{"sn"}, nil)
	if err := l.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if left, _ := store.SerialsLeft(ctx, "sn"); left != 4 {
		t.Fatalf("left %d: the orphaned lease %d..%d was not taken back", left, orphan.First, orphan.Last)
	}
	if err := pg.Kill(); err != nil {
		t.Fatal(err)
	}
	defer pg.Restart(context.Background())
	for i := range 4 {
		if n, err := unitAttempt(ctx, store, fmt.Sprintf("aa%02d", i), 0); err != nil || n != uint64(100+i) {
			t.Fatalf("offline unit %d: number %d, %v", i, n, err)
		}
	}
	if err := l.Step(ctx); err == nil || !strings.Contains(err.Error(), "PostgreSQL at") {
		t.Fatalf("leasing offline: %v", err)
	}
	_, err = unitAttempt(ctx, store, "aa99", 0)
	if !errors.Is(err, jobs.ErrNoSerials) || !strings.Contains(err.Error(), `series "sn" left in the blocks this station holds`) {
		t.Fatalf("out of numbers offline: %v", err)
	}
	if err := pg.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := unitAttempt(ctx, store, "aa05", 0); err != nil || n != 104 {
		t.Fatalf("after the restart: %d, %v", n, err)
	}
}

// TestLeasedStoreRefills: a unit that finds the blocks used up waits for
// the next block instead of failing while the server answers; offline it
// fails with the store's reason and the leaser's.
func TestLeasedStoreRefills(t *testing.T) {
	pg := needPG(t)
	cfg := testConfig(t, "st")
	cfg.BlockSize, cfg.Refill = 2, 1
	ctx := testCtx(t)
	c := newClient(t, cfg)
	if err := c.DefineSeries(ctx, "sn", 10); err != nil {
		t.Fatal(err)
	}
	store := openLeased(t)
	ls := &LeasedStore{Store: store, Leaser: NewLeaser(c, store, []string{"sn"}, nil)}
	for i := range 5 {
		if n, err := unitAttempt(ctx, ls, fmt.Sprintf("bb%02d", i), 0); err != nil || n != uint64(10+i) {
			t.Fatalf("unit %d: %d, %v", i, n, err)
		}
	}
	if err := pg.Kill(); err != nil {
		t.Fatal(err)
	}
	defer pg.Restart(context.Background())
	if n, err := unitAttempt(ctx, ls, "bb05", 0); err != nil || n != 15 {
		t.Fatalf("the held block offline: %d, %v", n, err)
	}
	_, err := unitAttempt(ctx, ls, "bb06", 0)
	if !errors.Is(err, jobs.ErrNoSerials) || !strings.Contains(err.Error(), "PostgreSQL at "+pg.Addr()) {
		t.Fatalf("offline, used up: %v", err)
	}
}
