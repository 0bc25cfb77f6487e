package central

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/flashstation/flashstation/jobs"
)

// Factory-wide serial series. A series is defined once in the central
// database (DefineSeries). A station leases a block of BlockSize numbers in
// one transaction that locks the series row (SELECT … FOR UPDATE, PostgreSQL
// manual §13.3.2), so two stations asking at once get disjoint blocks. The
// station keeps the block in its own store (jobs.AddBlock) and hands the
// numbers out in order, offline too. Numbers it gives back unused are
// recorded as skipped in the same transaction that closes their lease.

// DefineSeries creates series name starting at first. Defining it again
// with the same first is a no-op; another first is refused.
func (c *Client) DefineSeries(ctx context.Context, name string, first uint64) error {
	pool, err := c.Pool(ctx)
	if err != nil {
		return err
	}
	if first > 1<<62 {
		return fmt.Errorf("central: serial series %q: first number %d is too large", name, first)
	}
	var have int64
	err = pool.QueryRow(ctx, `INSERT INTO serial_series (name, first, next) VALUES ($1, $2, $2)
ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING first`, name, int64(first)).Scan(&have)
	if err != nil {
		return c.explain(err)
	}
	if uint64(have) != first {
		return fmt.Errorf("central: serial series %q is already defined starting at %d, not %d", name, have, first)
	}
	return nil
}

// Lease takes the next block of the series for this station.
func (c *Client) Lease(ctx context.Context, series string) (jobs.Block, error) {
	pool, err := c.Pool(ctx)
	if err != nil {
		return jobs.Block{}, err
	}
	size := int64(c.cfg.BlockSize)
	b := jobs.Block{Series: series}
	var undefined bool
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var next int64
		if err := tx.QueryRow(ctx, `SELECT next FROM serial_series WHERE name = $1 FOR UPDATE`, series).Scan(&next); err != nil {
			undefined = errors.Is(err, pgx.ErrNoRows)
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE serial_series SET next = $2 WHERE name = $1`, series, next+size); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO serial_leases (series, station, first, last) VALUES ($1, $2, $3, $4) RETURNING id`,
			series, c.cfg.Station, next, next+size-1).Scan(&id); err != nil {
			return err
		}
		b.Lease, b.First, b.Last = id, uint64(next), uint64(next+size-1)
		return nil
	})
	switch {
	case undefined:
		return b, fmt.Errorf("central: serial series %q is not defined in %s: define it once for the factory (flashstation central define-series)", series, c.host)
	case err != nil:
		return b, c.explain(err)
	}
	return b, nil
}

// OpenLeases are this station's leases of series not closed.
func (c *Client) OpenLeases(ctx context.Context, series string) ([]jobs.Block, error) {
	pool, err := c.Pool(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := pool.Query(ctx, `SELECT id, first, last FROM serial_leases WHERE station = $1 AND series = $2 AND closed IS NULL ORDER BY first`,
		c.cfg.Station, series)
	if err != nil {
		return nil, c.explain(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (jobs.Block, error) {
		var id, first, last int64
		err := r.Scan(&id, &first, &last)
		return jobs.Block{Series: series, Lease: id, First: uint64(first), Last: uint64(last)}, err
	})
	if err != nil {
		return nil, c.explain(err)
	}
	return out, nil
}

// GiveBack records the unused numbers as skipped and closes their leases,
// in one transaction. Recording them again is a no-op.
func (c *Client) GiveBack(ctx context.Context, unused []jobs.Unused, reason string) error {
	pool, err := c.Pool(ctx)
	if err != nil {
		return err
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, u := range unused {
			nums := make([]int64, len(u.Numbers))
			for i, n := range u.Numbers {
				nums[i] = int64(n)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO serials (series, number, state, station, lease_id, reason)
SELECT $1, n, 'skipped', $2, $3, $4 FROM unnest($5::bigint[]) AS n
ON CONFLICT (series, number) DO NOTHING`, u.Series, c.cfg.Station, u.Lease, reason, nums); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE serial_leases SET closed = now() WHERE id = $1 AND closed IS NULL`, u.Lease); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return c.explain(err)
	}
	return nil
}

// LeaseStore is what the leaser needs of the station's store.
type LeaseStore interface {
	AddBlock(ctx context.Context, b jobs.Block) error
	SerialsLeft(ctx context.Context, series string) (uint64, error)
	Returning(ctx context.Context, series string) ([]jobs.Unused, error)
	MarkReturning(ctx context.Context, series string) ([]jobs.Unused, error)
	DropReturning(ctx context.Context, series string) error
}

var _ LeaseStore = (*jobs.Store)(nil)

// Leaser keeps the station supplied with numbers of each series its
// recipes use: when fewer than Refill are left it leases the next block.
type Leaser struct {
	mu     sync.Mutex // one Step at a time: the loop's and a Reserve's
	c      *Client
	store  LeaseStore
	series []string
	log    *slog.Logger
	// Poll is how often it checks what is left (default 1 s).
	Poll time.Duration
}

// NewLeaser builds a leaser for the named series.
func NewLeaser(c *Client, store LeaseStore, series []string, log *slog.Logger) *Leaser {
	if log == nil {
		log = slog.Default()
	}
	return &Leaser{c: c, store: store, series: series, log: log, Poll: time.Second}
}

// Run keeps every series supplied until ctx ends, backing off while the
// central database cannot be reached.
func (l *Leaser) Run(ctx context.Context) {
	var delay time.Duration
	var lastErr string
	for ctx.Err() == nil {
		err := l.Step(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			delay = backoff(delay, 30*time.Second)
			if err.Error() != lastErr {
				l.log.Warn("central: cannot lease serial numbers; the station goes on with the blocks it holds", "err", err, "retry_in", delay)
				lastErr = err.Error()
			}
			sleep(ctx, delay)
			continue
		}
		delay, lastErr = 0, ""
		sleep(ctx, l.Poll)
	}
}

// Step finishes any give-back left half-done, takes back leases the
// station holds centrally but not locally (a crash after the lease
// committed), and leases a block for each series running low.
func (l *Leaser) Step(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, series := range l.series {
		if err := l.finishReturns(ctx, series); err != nil {
			return err
		}
		open, err := l.c.OpenLeases(ctx, series)
		if err != nil {
			return err
		}
		for _, b := range open {
			if err := l.store.AddBlock(ctx, b); err != nil {
				return err
			}
		}
		for {
			left, err := l.store.SerialsLeft(ctx, series)
			if err != nil {
				return err
			}
			if left >= uint64(l.c.cfg.Refill) && left > 0 {
				break
			}
			b, err := l.c.Lease(ctx, series)
			if err != nil {
				return err
			}
			if err := l.store.AddBlock(ctx, b); err != nil {
				return err
			}
			l.log.Info("central: leased serial numbers", "series", series, "first", b.First, "last", b.Last, "lease", b.Lease)
		}
	}
	return nil
}

func (l *Leaser) finishReturns(ctx context.Context, series string) error {
	un, err := l.store.Returning(ctx, series)
	if errors.Is(err, jobs.ErrNotFound) || (err == nil && len(un) == 0) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := l.c.GiveBack(ctx, un, "given back unused"); err != nil {
		return err
	}
	return l.store.DropReturning(ctx, series)
}

// GiveBack returns every unused number of series: marked out of use
// locally, recorded as skipped centrally, then forgotten locally. Offline,
// the numbers stay marked and the next Step records them.
func (l *Leaser) GiveBack(ctx context.Context, series string) error {
	if _, err := l.store.MarkReturning(ctx, series); err != nil {
		return err
	}
	return l.finishReturns(ctx, series)
}

// LeasedStore is a station store whose Reserve, when the blocks held are
// used up, asks the leaser for the next block at once (a few seconds at
// most) instead of failing the unit until the next poll.
type LeasedStore struct {
	*jobs.Store
	Leaser *Leaser
}

// refillWait bounds how long a Reserve waits on the central database.
const refillWait = 5 * time.Second

// Reserve is jobs.Store.Reserve, refilled once on ErrNoSerials.
func (s *LeasedStore) Reserve(ctx context.Context, series string, first uint64, id jobs.ID) (uint64, error) {
	n, err := s.Store.Reserve(ctx, series, first, id)
	if !errors.Is(err, jobs.ErrNoSerials) || s.Leaser == nil {
		return n, err
	}
	rctx, cancel := context.WithTimeout(ctx, refillWait)
	lerr := s.Leaser.Step(rctx)
	cancel()
	if lerr != nil {
		// The store's reason names the series; the leaser's says why no
		// block came (the server unreachable, the series undefined).
		return 0, fmt.Errorf("%w (%v)", err, lerr)
	}
	return s.Store.Reserve(ctx, series, first, id)
}
