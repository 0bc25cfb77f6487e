package jobs

import (
	"context"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DefaultApplyEvery is how often journal records are copied into bbolt
// when nobody asks sooner (a query, a reservation, Close).
const DefaultApplyEvery = 100 * time.Millisecond

// applyRecordsTx plays journal records, oldest first, into bbolt. It is
// how every Begin, Checkpoint and Finish reaches the buckets, both while
// the store runs and when Open replays what a dead process left, so it
// must give the same result when a record is played a second time: a
// crash between a commit and the emptying of its journal file replays
// records bbolt already holds. The rule that makes it so: a record for an
// attempt that has ended (stored, not running) is skipped, because every
// record of an attempt is older than the record that ended it.
func applyRecordsTx(tx *bolt.Tx, recs []journalRecord) error {
	if len(recs) == 0 {
		return nil
	}
	attempts := tx.Bucket(bucketAttempts)
	running := tx.Bucket(bucketRunning)
	for i := range recs {
		r := &recs[i]
		key := r.id.key()
		rv := running.Get(key)
		if rv == nil && attempts.Get(key) != nil {
			continue // ended: this record is a replay
		}
		oldUID := uidOfRunning(rv)
		value := r.value
		if r.kind == recordFinish {
			settled, err := settleTx(tx, r.id, r.uid, r.flags&flagPass != 0)
			if err != nil {
				return fmt.Errorf("jobs: apply finish of %s: %w", r.id, err)
			}
			if len(settled) > 0 || r.flags&flagSerials != 0 {
				if value, err = withSerials(r.id, value, settled); err != nil {
					return err
				}
			}
		}
		value, err := compressValue(r.id, value)
		if err != nil {
			return err
		}
		if err := putEncoded(tx, r.id, oldUID, r.uid, value); err != nil {
			return fmt.Errorf("jobs: apply %s: %w", r.id, err)
		}
		if r.kind == recordFinish {
			err = running.Delete(key)
		} else {
			err = running.Put(key, runningValue(r.uid))
		}
		if err != nil {
			return fmt.Errorf("jobs: apply %s: %w", r.id, err)
		}
	}
	return nil
}

// withSerials makes a finished attempt's value list the serials settling
// actually gave. Finish encodes them from the reservations it saw; only
// this attempt's worker reserves for it, so they differ only if it reserved
// while finishing.
func withSerials(id ID, value []byte, settled []Serial) ([]byte, error) {
	a, err := decodeAttempt(id, value)
	if err != nil {
		return nil, err
	}
	if slices.Equal(a.Serials, settled) {
		return value, nil
	}
	a.Serials = settled
	return encodeAttempt(a)
}

// uidOfRunning reads the running bucket's value: the UID the attempt was
// last saved with ("" for none or for an attempt not running).
func uidOfRunning(v []byte) string {
	if v == nil || (len(v) == 1 && v[0] == present[0]) {
		return ""
	}
	return string(v)
}

// flush copies every journaled record into bbolt, so a read that follows
// sees every write that returned before it. It costs nothing when the
// journal has nothing pending.
func (s *Store) flush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if s.journal == nil || !s.journal.hasPending() {
		return nil
	}
	if err := s.group.update(func(*bolt.Tx) error { return nil }); err != nil {
		return fmt.Errorf("jobs: apply journal to %s: %w", s.path, err)
	}
	return nil
}

// applyLoop runs rounds until stop closes: every applyEvery, or sooner when
// the journal asks (many records pending).
func (s *Store) applyLoop(every time.Duration, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(every)
	defer t.Stop()
	var failingSince, lastLogged time.Time
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		case <-s.journal.kick:
		}
		err := s.applyRound()
		s.journal.setApplyErr(err)
		if err == nil {
			err = s.healJournal()
		}
		switch {
		case err != nil && (failingSince.IsZero() || time.Since(lastLogged) >= applyErrorLogEvery):
			// Once, then once a minute: a full disk must not also fill the log.
			s.log.Error("jobs: could not copy journaled attempts into the database; they stay in the journal and are retried",
				"db", s.path, "err", err)
			if failingSince.IsZero() {
				failingSince = time.Now()
			}
			lastLogged = time.Now()
		case err == nil && !failingSince.IsZero():
			s.log.Info("jobs: journaled attempts copied into the database again", "db", s.path,
				"after", time.Since(failingSince).Round(time.Second))
			failingSince = time.Time{}
		}
	}
}

// healJournal makes a journal that a failed write stopped take records
// again once the disk does, without a restart.
func (s *Store) healJournal() error {
	failed := s.journal.poisoned()
	if failed == nil {
		return nil
	}
	if err := s.journal.heal(func() error { return s.flush(context.Background()) }); err != nil {
		return fmt.Errorf("jobs: journal stopped by a failed write (%w) and still cannot be restarted: %w", failed, err)
	}
	s.log.Info("jobs: the journal takes records again after a failed write", "db", s.path, "failed", failed)
	return nil
}

// applyErrorLogEvery spaces the log lines of a round that keeps failing.
const applyErrorLogEvery = time.Minute

// applyRound switches journal files, commits everything pending (which
// then includes all the old file holds) and empties the old file. A file a
// failed round could not empty stays the inactive one, so no switch
// happens and the active file grows, until a round empties it.
func (s *Store) applyRound() error {
	old := s.journal.switchFiles()
	if old != nil || s.journal.hasPending() {
		if err := s.group.update(func(*bolt.Tx) error { return nil }); err != nil {
			return err
		}
	}
	if f := s.journal.unemptied(); f != nil {
		return s.journal.empty(f)
	}
	return nil
}
