package jobs

import (
	"errors"
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// group commits concurrent writes together, like bbolt's DB.Batch but
// without its timer: the first writer to arrive while no commit runs
// becomes the leader and commits everything queued, again and again until
// the queue is empty. A lone write never waits, and writes arriving during
// a commit share the next one. bbolt's timer (MaxBatchDelay) sets a floor
// under every write, and on a loaded two-core box its 0.2 ms became 1–2 ms.
//
// As with DB.Batch, a function may run more than once: when one fails, the
// transaction is rolled back, the failing function runs alone to get its
// own error, and the rest are committed again. So every function must
// decide from what it reads in the transaction only.
type group struct {
	db      *bolt.DB
	mu      sync.Mutex
	queue   []*groupCall
	leading bool
}

type groupCall struct {
	fn   func(*bolt.Tx) error
	done chan error
}

// maxGroup bounds one commit, so one transaction never grows without limit.
const maxGroup = 256

type failedCall struct {
	index int
	err   error
}

func (f *failedCall) Error() string { return f.err.Error() }

func (g *group) update(fn func(*bolt.Tx) error) error {
	c := &groupCall{fn: fn, done: make(chan error, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, c)
	if g.leading {
		g.mu.Unlock()
		return <-c.done
	}
	g.leading = true
	for len(g.queue) > 0 {
		n := min(len(g.queue), maxGroup)
		calls := g.queue[:n:n]
		g.queue = g.queue[n:]
		g.mu.Unlock()
		g.commit(calls)
		g.mu.Lock()
	}
	g.leading = false
	g.mu.Unlock()
	return <-c.done
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
				c.done <- err
			}
			return
		}
		bad := calls[f.index]
		if len(calls) == 1 {
			bad.done <- f.err
			return
		}
		bad.done <- g.db.Update(func(tx *bolt.Tx) error { return safeCall(bad.fn, tx) })
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
