package jobs

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/flashstation/flashstation/drivers"
	bolt "go.etcd.io/bbolt"
)

// group is the one way into a bbolt write transaction. It commits
// concurrent writes together, like bbolt's DB.Batch but without its timer:
// the first writer to arrive while no commit runs becomes the leader and
// commits what is queued; writes arriving during a commit share the next
// one. Every commit first copies the journal's pending records into bbolt
// (apply.go), so a write in the same transaction, such as a reservation for
// an attempt just begun, sees every record journaled before it was called.
//
// As with DB.Batch, a function may run more than once: when one fails, the
// transaction is rolled back and the rest are committed again, then the
// failing function runs alone to get its own error. So every function must
// decide from what it reads in the transaction only.
type group struct {
	db      *bolt.DB
	journal *wal // nil for read-only stores and before Open has replayed
	// ioFault, when set (tests), stands for the disk: an error from it
	// fails the commit as a full disk would.
	ioFault func() error

	mu      sync.Mutex
	queue   []*groupCall
	leading bool // a leader is committing
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

type failedCall struct {
	index int
	err   error
}

func (f *failedCall) Error() string { return f.err.Error() }

// update commits fn, together with whatever other writes are waiting and
// the journal's pending records.
func (g *group) update(fn func(*bolt.Tx) error) error {
	g.mu.Lock()
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

// lead commits one batch, then passes leadership to the first writer
// queued behind it, so no writer keeps committing for others while its own
// write is long on disk. It is called with g.mu held and returns with it
// released.
func (g *group) lead() {
	g.mu.Unlock()
	runtime.Gosched() // let writers already runnable join this commit
	g.mu.Lock()
	n := min(len(g.queue), maxGroup)
	calls := g.queue[:n:n]
	g.queue = g.queue[n:]
	g.mu.Unlock()

	g.commit(calls)

	g.mu.Lock()
	if len(g.queue) > 0 {
		g.queue[0].done <- groupResult{lead: true}
	} else {
		g.leading = false
	}
	g.mu.Unlock()
}

// commit runs the journal's pending records and calls in one transaction,
// retrying without any call that fails.
func (g *group) commit(calls []*groupCall) {
	var recs []journalRecord
	if g.journal != nil {
		recs = g.journal.take()
	}
	var failed []*groupCall
	for {
		err := g.db.Update(func(tx *bolt.Tx) error {
			if g.ioFault != nil {
				if err := g.ioFault(); err != nil {
					return err
				}
			}
			if err := applyRecordsTx(tx, recs); err != nil {
				return err
			}
			for i, c := range calls {
				if err := safeCall(c.fn, tx); err != nil {
					return &failedCall{index: i, err: err}
				}
			}
			return nil
		})
		var f *failedCall
		if errors.As(err, &f) {
			failed = append(failed, calls[f.index])
			calls = append(calls[:f.index:f.index], calls[f.index+1:]...)
			continue
		}
		if err != nil {
			// The database could not commit (a full or failing disk): the
			// station's fault, whatever the write was for.
			err = drivers.StationFault(err)
			if g.journal != nil {
				g.journal.giveBack(recs)
			}
			for _, c := range append(calls, failed...) {
				c.done <- groupResult{err: err}
			}
			return
		}
		break
	}
	if g.journal != nil {
		g.journal.committed()
	}
	for _, c := range calls {
		c.done <- groupResult{}
	}
	for _, c := range failed {
		c.done <- groupResult{err: g.db.Update(func(tx *bolt.Tx) error { return safeCall(c.fn, tx) })}
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
