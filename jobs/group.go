package jobs

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// group commits concurrent writes together, like bbolt's DB.Batch but
// without its timer: the first writer to arrive while no commit runs
// becomes the leader and commits what is queued. A lone write never waits,
// and writes arriving during a commit share the next one. bbolt's timer
// (MaxBatchDelay) sets a floor under every write, and on a loaded two-core
// box its 0.2 ms became 1–2 ms.
//
// Every commit costs two fdatasyncs (pages, then meta) whatever its size,
// so what decides the latency of many writers is how many commits they
// share. Two things keep the batches whole:
//
//   - Before committing, the leader lets every runnable goroutine run
//     (runtime.Gosched) and waits for writers still encoding their values
//     (counted in coming), up to half the last commit's time. Without this,
//     writers woken by one commit split into two cohorts that alternate,
//     and each write waits for two commits instead of one.
//   - A leader commits one batch and hands leadership to the first writer
//     queued behind it, so no writer keeps committing for others while its
//     own write is long on disk.
//
// As with DB.Batch, a function may run more than once: when one fails, the
// transaction is rolled back, the failing function runs alone to get its
// own error, and the rest are committed again. So every function must
// decide from what it reads in the transaction only.
type group struct {
	db      *bolt.DB
	mu      sync.Mutex
	queue   []*groupCall
	leading bool          // a leader is gathering or committing
	coming  int           // writers in prepare, about to queue
	arrived chan struct{} // wakes a gathering leader when coming drops to 0
	lastDur time.Duration // how long the last commit took
}

type groupCall struct {
	fn   func(*bolt.Tx) error
	done chan groupResult
}

// groupResult ends a call (err) or makes its writer the next leader (lead).
type groupResult struct {
	err  error
	lead bool
}

// maxGroup bounds one commit, so one transaction never grows without limit.
const maxGroup = 256

// maxGather bounds the leader's wait for writers still preparing, whatever
// the last commit took: a writer descheduled mid-encode joins the next
// commit instead of holding up this one.
const maxGather = time.Millisecond

type failedCall struct {
	index int
	err   error
}

func (f *failedCall) Error() string { return f.err.Error() }

// update commits fn, together with whatever other writes are waiting.
func (g *group) update(fn func(*bolt.Tx) error) error { return g.prepared(nil, fn) }

// prepared runs prepare (encoding, outside any transaction), then commits
// fn. While prepare runs, a leader about to commit waits for this write, so
// the costly part of a write overlaps the previous commit and does not push
// the write into the commit after the next one. An error from prepare is
// returned as is and nothing is committed.
func (g *group) prepared(prepare func() error, fn func(*bolt.Tx) error) error {
	if prepare != nil {
		g.mu.Lock()
		g.coming++
		g.mu.Unlock()
		err := prepare()
		g.mu.Lock()
		g.coming--
		g.wakeLocked()
		if err != nil {
			g.mu.Unlock()
			return err
		}
	} else {
		g.mu.Lock()
	}
	c := &groupCall{fn: fn, done: make(chan groupResult, 1)}
	g.queue = append(g.queue, c)
	if g.leading {
		g.mu.Unlock()
		r := <-c.done
		if !r.lead {
			return r.err
		}
		g.mu.Lock()
	} else {
		g.leading = true
	}
	g.lead()
	return (<-c.done).err
}

// wakeLocked tells a gathering leader that no writer is preparing any more.
func (g *group) wakeLocked() {
	if g.coming == 0 && g.arrived != nil {
		select {
		case g.arrived <- struct{}{}:
		default:
		}
	}
}

// lead gathers and commits one batch, then passes leadership on. It is
// called with g.mu held and returns with it released.
func (g *group) lead() {
	g.mu.Unlock()
	runtime.Gosched()
	g.mu.Lock()
	if g.coming > 0 && len(g.queue) < maxGroup {
		g.gatherLocked()
	}
	n := min(len(g.queue), maxGroup)
	calls := g.queue[:n:n]
	g.queue = g.queue[n:]
	g.mu.Unlock()

	start := time.Now()
	g.commit(calls)
	took := time.Since(start)

	g.mu.Lock()
	g.lastDur = took
	if len(g.queue) > 0 {
		g.queue[0].done <- groupResult{lead: true}
	} else {
		g.leading = false
	}
	g.mu.Unlock()
}

// gatherLocked waits, with g.mu held on entry and exit, until no writer is
// preparing or half the last commit's time (at most maxGather) has passed.
func (g *group) gatherLocked() {
	wait := min(g.lastDur/2, maxGather)
	if wait <= 0 {
		return
	}
	if g.arrived == nil {
		g.arrived = make(chan struct{}, 1)
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	for g.coming > 0 && len(g.queue) < maxGroup {
		g.mu.Unlock()
		select {
		case <-g.arrived:
		case <-t.C:
			g.mu.Lock()
			return
		}
		g.mu.Lock()
	}
}

// commit runs calls in one transaction, retrying without any that fail.
func (g *group) commit(calls []*groupCall) {
	for len(calls) > 0 {
		err := g.db.Update(func(tx *bolt.Tx) error {
			for i, c := range calls {
				if err := safeCall(c.fn, tx); err != nil {
					return &failedCall{index: i, err: err}
				}
			}
			return nil
		})
		var f *failedCall
		if !errors.As(err, &f) {
			for _, c := range calls {
				c.done <- groupResult{err: err}
			}
			return
		}
		bad := calls[f.index]
		if len(calls) == 1 {
			bad.done <- groupResult{err: f.err}
			return
		}
		bad.done <- groupResult{err: g.db.Update(func(tx *bolt.Tx) error { return safeCall(bad.fn, tx) })}
		calls = append(calls[:f.index:f.index], calls[f.index+1:]...)
	}
}

// safeCall turns a panic in one write into that write's error, so the
// leader goes on and no other writer waits forever.
func safeCall(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("jobs: write panicked: %v", r)
		}
	}()
	return fn(tx)
}
