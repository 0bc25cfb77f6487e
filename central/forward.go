package central

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/flashstation/flashstation/jobs"
)

// Source is what the forwarder reads from and marks in the station's
// store; *jobs.Store is one.
type Source interface {
	Forwarded(ctx context.Context) (jobs.ID, error)
	SetForwarded(ctx context.Context, id jobs.ID) error
	Ended(ctx context.Context, after jobs.ID, max int) ([]*jobs.Attempt, error)
	BacklogAfter(ctx context.Context, after jobs.ID) (jobs.Backlog, error)
}

var _ Source = (*jobs.Store)(nil)

// Status is the forwarder's state for /api/stats and the operator page.
type Status struct {
	Where     string `json:"where"`     // HOST:PORT/DB
	Connected bool   `json:"connected"` // the last round reached the server
	// Backlog is ended attempts not yet in the central database;
	// OldestAgeSeconds how long ago the oldest of them ended.
	Backlog          int     `json:"backlog"`
	OldestAgeSeconds float64 `json:"oldest_age_seconds"`
	// Forwarded counts attempts delivered since the station started.
	Forwarded int64     `json:"forwarded"`
	LastError string    `json:"last_error,omitempty"`
	LastSent  time.Time `json:"last_sent,omitzero"`
}

// Forwarder copies ended attempts from a Source to PostgreSQL: in id
// order, a batch per transaction, idempotent by (station, id). While the
// server cannot be reached it waits, doubling from 1 s to MaxBackoff.
type Forwarder struct {
	c   *Client
	src Source
	log *slog.Logger
	m   *forwardMetrics
	// Poll is how often it looks for newly ended attempts (default 1 s);
	// MaxBackoff bounds the wait between tries while failing (30 s).
	Poll, MaxBackoff time.Duration
	now              func() time.Time

	mu sync.Mutex
	st Status
}

// NewForwarder builds a forwarder; nothing runs until Run. Metrics go to
// reg when it is not nil.
func NewForwarder(c *Client, src Source, reg Registerer, log *slog.Logger) (*Forwarder, error) {
	if log == nil {
		log = slog.Default()
	}
	m, err := newForwardMetrics(reg)
	if err != nil {
		return nil, err
	}
	return &Forwarder{c: c, src: src, log: log, m: m, Poll: time.Second, MaxBackoff: 30 * time.Second,
		now: time.Now, st: Status{Where: c.Where()}}, nil
}

// Status is a copy of the current state.
func (f *Forwarder) Status() Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st
}

// Run forwards until ctx ends. Errors are logged (once, then when the
// reason changes or a minute passed) and retried; the station's recording
// never waits on it.
func (f *Forwarder) Run(ctx context.Context) {
	var delay time.Duration
	var lastErr string
	var lastLogged time.Time
	for ctx.Err() == nil {
		n, err := f.Step(ctx)
		f.refreshBacklog(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			delay = backoff(delay, f.MaxBackoff)
			if msg := err.Error(); msg != lastErr || time.Since(lastLogged) >= time.Minute {
				f.log.Warn("central: cannot forward attempts; the station keeps recording locally and retries",
					"db", f.c.Where(), "err", msg, "retry_in", delay)
				lastErr, lastLogged = msg, time.Now()
			}
			sleep(ctx, delay)
			continue
		}
		if lastErr != "" {
			f.log.Info("central: forwarding again", "db", f.c.Where())
			lastErr = ""
		}
		delay = 0
		if n < f.c.cfg.BatchSize {
			sleep(ctx, f.Poll)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// Step forwards one batch and returns how many attempts it held.
func (f *Forwarder) Step(ctx context.Context) (int, error) {
	n, err := f.step(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil {
		f.st.LastError = err.Error()
		var le *localError
		if !errors.As(err, &le) {
			f.st.Connected = false
			f.m.up.Set(0)
		}
		f.m.errors.Inc()
		return n, err
	}
	f.st.LastError, f.st.Connected = "", true
	f.m.up.Set(1)
	if n > 0 {
		f.st.Forwarded += int64(n)
		f.st.LastSent = f.now()
		f.m.forwarded.Add(float64(n))
	}
	return n, nil
}

// localError is a failure of the station's own store, not the server's.
type localError struct{ err error }

func (e *localError) Error() string { return e.err.Error() }
func (e *localError) Unwrap() error { return e.err }

func (f *Forwarder) step(ctx context.Context) (int, error) {
	pos, err := f.src.Forwarded(ctx)
	if err != nil {
		return 0, &localError{err}
	}
	batch, err := f.src.Ended(ctx, pos, f.c.cfg.BatchSize)
	if err != nil {
		return 0, &localError{err}
	}
	pool, err := f.c.Pool(ctx)
	if err != nil {
		return 0, err
	}
	if len(batch) == 0 {
		// Nothing to send: still check the server answers, so the page
		// does not say "connected" about a server that went away.
		if err := pool.Ping(ctx); err != nil {
			f.c.Reset()
			return 0, f.c.explain(err)
		}
		return 0, nil
	}
	if err := f.send(ctx, batch); err != nil {
		var le *localError
		if !errors.As(err, &le) && connectionLost(err) {
			f.c.Reset() // the server may have been replaced: check it again
		}
		return 0, err
	}
	if err := f.src.SetForwarded(ctx, batch[len(batch)-1].ID); err != nil {
		return 0, &localError{err}
	}
	return len(batch), nil
}

// The statements of one batch. Arrays of the batch's columns are unnested
// server-side, so a batch is three statements however many attempts and
// steps it holds. Attempt ids are Unix nanoseconds (below 2^63 until 2262).
const (
	insertAttempts = `INSERT INTO attempts (station, id, slot, probe_serial, recipe, recipe_sha256,
  firmware_sha256, unit_uid, device_id, started, ended, result, failed_step, error)
SELECT $1, u.* FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
  $8::text[], $9::text[], $10::timestamptz[], $11::timestamptz[], $12::text[], $13::text[], $14::text[]) AS u
ON CONFLICT (station, id) DO NOTHING
RETURNING id`
	insertSteps = `INSERT INTO steps (station, attempt_id, idx, name, result, started, duration_ns, tries, error, bytes, log)
SELECT $1, u.a, u.i, u.n, u.r, u.s, u.d, u.t, u.e, u.b, u.l::jsonb
FROM unnest($2::bigint[], $3::int[], $4::text[], $5::text[], $6::timestamptz[], $7::bigint[], $8::int[],
  $9::text[], $10::bigint[], $11::text[]) AS u(a, i, n, r, s, d, t, e, b, l)
ON CONFLICT (station, attempt_id, idx) DO NOTHING`
	upsertStation = `INSERT INTO stations (name, forwarded_to, last_seen) VALUES ($1, $2, now())
ON CONFLICT (name) DO UPDATE SET forwarded_to = GREATEST(stations.forwarded_to, EXCLUDED.forwarded_to), last_seen = now()`
	// Numbers a unit carries (committed) or may carry (burned), of blocks
	// leased to this station; numbers of local series (recorded before
	// the station had [central]) are not the factory's. A burned number
	// becomes committed when a rerun of the same unit passes.
	insertSerials = `INSERT INTO serials (series, number, state, station, lease_id, attempt_id, unit_uid)
SELECT u.series, u.number, u.state, $1, l.id, u.attempt, u.uid
FROM unnest($2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::text[]) AS u(series, number, state, attempt, uid)
JOIN serial_leases l ON l.series = u.series AND l.station = $1 AND u.number BETWEEN l.first AND l.last
ON CONFLICT (series, number) DO UPDATE SET state = EXCLUDED.state, attempt_id = EXCLUDED.attempt_id, recorded = now()
WHERE serials.station = EXCLUDED.station AND serials.unit_uid IS NOT DISTINCT FROM EXCLUDED.unit_uid
  AND serials.state = 'burned' AND EXCLUDED.state = 'committed'`
	// Numbers of the batch recorded for another station, another unit,
	// or as skipped: issued twice.
	countTwice = `SELECT count(*) FROM serials s
JOIN unnest($2::text[], $3::bigint[], $4::bigint[]) AS u(series, number, attempt) ON s.series = u.series AND s.number = u.number
WHERE s.station <> $1 OR s.state = 'skipped'
   OR (s.attempt_id <> u.attempt AND NOT EXISTS (SELECT 1 FROM attempts a, attempts b
        WHERE a.station = $1 AND a.id = s.attempt_id AND b.station = $1 AND b.id = u.attempt AND a.unit_uid IS NOT DISTINCT FROM b.unit_uid))`
	selectExisting = `SELECT id, slot, probe_serial, recipe, result FROM attempts WHERE station = $1 AND id = ANY($2)`
)

// send writes one batch in one transaction. An attempt already there (a
// batch delivered again after a crash) is left as it is, but only if it
// is the same attempt: another station forwarding under this station's
// name would otherwise lose its attempts without a word.
func (f *Forwarder) send(ctx context.Context, batch []*jobs.Attempt) error {
	pool, err := f.c.Pool(ctx)
	if err != nil {
		return err
	}
	station := f.c.cfg.Station
	var a attemptCols
	var s stepCols
	var sr serialCols
	for _, at := range batch {
		a.add(at)
		sr.add(at)
		if err := s.add(at); err != nil {
			return &localError{err}
		}
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return f.c.explain(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	rows, err := tx.Query(ctx, insertAttempts, station, a.id, a.slot, a.probe, a.recipe, a.recipeSHA,
		a.fwSHA, a.uid, a.device, a.started, a.ended, a.result, a.failed, a.err)
	if err != nil {
		return f.wrap("insert attempts", err)
	}
	inserted, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return f.wrap("insert attempts", err)
	}
	if len(inserted) < len(batch) {
		if err := f.checkSame(ctx, tx, batch, inserted); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, insertSteps, station, s.attempt, s.idx, s.name, s.result, s.started,
		s.dur, s.tries, s.err, s.bytes, s.log); err != nil {
		return f.wrap("insert steps", err)
	}
	if len(sr.number) > 0 {
		if _, err := tx.Exec(ctx, insertSerials, station, sr.series, sr.number, sr.state, sr.attempt, sr.uid); err != nil {
			return f.wrap("record serial numbers", err)
		}
		var twice int
		if err := tx.QueryRow(ctx, countTwice, station, sr.series, sr.number, sr.attempt).Scan(&twice); err != nil {
			return f.wrap("check serial numbers", err)
		}
		if twice > 0 {
			// The first record stands and forwarding goes on: stopping
			// would only hide every later attempt as well.
			f.m.serialConflicts.Add(float64(twice))
			f.log.Error("central: serial numbers issued twice: a number this station used is recorded for another unit, station or as skipped",
				"db", f.c.Where(), "count", twice)
		}
	}
	if _, err := tx.Exec(ctx, upsertStation, station, int64(batch[len(batch)-1].ID)); err != nil {
		return f.wrap("record the station's position", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return f.wrap("commit", err)
	}
	return nil
}

// checkSame compares the attempts of the batch that were already in the
// database with what is there.
func (f *Forwarder) checkSame(ctx context.Context, tx pgx.Tx, batch []*jobs.Attempt, inserted []int64) error {
	fresh := map[int64]bool{}
	for _, id := range inserted {
		fresh[id] = true
	}
	want := map[int64]*jobs.Attempt{}
	var ids []int64
	for _, a := range batch {
		if !fresh[int64(a.ID)] {
			want[int64(a.ID)] = a
			ids = append(ids, int64(a.ID))
		}
	}
	rows, err := tx.Query(ctx, selectExisting, f.c.cfg.Station, ids)
	if err != nil {
		return f.wrap("compare attempts sent before", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var slot, probe, recipe, result string
		if err := rows.Scan(&id, &slot, &probe, &recipe, &result); err != nil {
			return f.wrap("compare attempts sent before", err)
		}
		a := want[id]
		if clean(a.Slot) != slot || clean(a.ProbeSerial) != probe || clean(a.Recipe) != recipe || string(a.Result) != result {
			return &localError{fmt.Errorf("central: attempt %s is already in %s with other contents (slot %s, result %s): does another station forward under the name %q?",
				a.ID, f.c.Where(), slot, result, f.c.cfg.Station)}
		}
	}
	return f.wrap("compare attempts sent before", rows.Err())
}

func (f *Forwarder) wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return fmt.Errorf("central: %s: %s: %s (SQLSTATE %s)", f.c.Where(), what, pe.Message, pe.Code)
	}
	return f.c.explain(err)
}

// clean makes a string storable as PostgreSQL text: it holds no NUL
// (PostgreSQL manual §8.3: "the character with code zero cannot be stored").
func clean(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

func nullable(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

type attemptCols struct {
	id                                            []int64
	slot, probe, recipe, recipeSHA, fwSHA, device []string
	uid                                           []*string
	started                                       []time.Time
	ended                                         []*time.Time
	result, failed, err                           []string
}

func (c *attemptCols) add(a *jobs.Attempt) {
	c.id = append(c.id, int64(a.ID))
	c.slot = append(c.slot, clean(a.Slot))
	c.probe = append(c.probe, clean(a.ProbeSerial))
	c.recipe = append(c.recipe, clean(a.Recipe))
	c.recipeSHA = append(c.recipeSHA, a.RecipeSHA256)
	c.fwSHA = append(c.fwSHA, a.FirmwareSHA256)
	var uid *string
	if a.UnitUID != "" {
		u := a.UnitUID
		uid = &u
	}
	c.uid = append(c.uid, uid)
	c.device = append(c.device, clean(a.DeviceID))
	c.started = append(c.started, a.Started)
	c.ended = append(c.ended, nullable(a.Ended))
	c.result = append(c.result, string(a.Result))
	c.failed = append(c.failed, clean(a.FailedStep))
	c.err = append(c.err, clean(a.Error))
}

type stepCols struct {
	attempt, dur, bytes    []int64
	idx, tries             []int32
	name, result, err, log []string
	started                []time.Time
}

// logLine is how a step's log line is kept in steps.log.
type logLine struct {
	T     time.Time `json:"t"`
	Level string    `json:"level"`
	Msg   string    `json:"msg"`
}

func (c *stepCols) add(a *jobs.Attempt) error {
	for i, s := range a.Steps {
		lines := make([]logLine, len(s.Log))
		for j, l := range s.Log {
			lines[j] = logLine{T: l.Time, Level: l.Level.String(), Msg: clean(l.Msg)}
		}
		js, err := json.Marshal(lines)
		if err != nil {
			return fmt.Errorf("central: attempt %s step %d log: %w", a.ID, i, err)
		}
		c.attempt = append(c.attempt, int64(a.ID))
		c.idx = append(c.idx, int32(i))
		c.name = append(c.name, clean(s.Name))
		c.result = append(c.result, string(s.Result))
		c.started = append(c.started, s.Started)
		c.dur = append(c.dur, int64(s.Duration))
		c.tries = append(c.tries, int32(s.Tries))
		c.err = append(c.err, clean(s.Error))
		c.bytes = append(c.bytes, s.Bytes)
		c.log = append(c.log, string(js))
	}
	return nil
}

// refreshBacklog updates the backlog gauges and status from the store.
func (f *Forwarder) refreshBacklog(ctx context.Context) {
	pos, err := f.src.Forwarded(ctx)
	if err != nil {
		return
	}
	b, err := f.src.BacklogAfter(ctx, pos)
	if err != nil {
		return
	}
	age := 0.0
	if b.Count > 0 {
		age = max(0, f.now().Sub(b.Oldest).Seconds())
	}
	f.m.backlog.Set(float64(b.Count))
	f.m.oldest.Set(age)
	f.mu.Lock()
	f.st.Backlog, f.st.OldestAgeSeconds = b.Count, age
	f.mu.Unlock()
}

type serialCols struct {
	series, state   []string
	number, attempt []int64
	uid             []*string
}

func (c *serialCols) add(a *jobs.Attempt) {
	for _, sn := range a.Serials {
		if sn.State != jobs.SerialCommitted && sn.State != jobs.SerialBurned {
			continue // released: back in the station's pool, on no board
		}
		c.series = append(c.series, sn.Series)
		c.number = append(c.number, int64(sn.Number))
		c.state = append(c.state, sn.State)
		c.attempt = append(c.attempt, int64(a.ID))
		var uid *string
		if a.UnitUID != "" {
			u := a.UnitUID
			uid = &u
		}
		c.uid = append(c.uid, uid)
	}
}
