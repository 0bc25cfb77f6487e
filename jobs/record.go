package jobs

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Begin records a new attempt as running and sets a.ID, a.Result and, when
// zero, a.Started. Call it before touching the board: if the process dies
// afterwards, the next Open marks the attempt interrupted.
//
// Writes from concurrent callers share one commit (see group), so each
// write function below must be safe to run twice: it reads everything it
// decides on from the transaction, never from an earlier run.
func (s *Store) Begin(ctx context.Context, a *Attempt) error {
	if err := s.writable(ctx); err != nil {
		return err
	}
	if a.ID != 0 {
		return fmt.Errorf("jobs: attempt %s has already begun", a.ID)
	}
	if err := a.validate(); err != nil {
		return err
	}
	if a.Started.IsZero() {
		a.Started = time.Now()
	}
	a.Result, a.Ended, a.Serials = Running, time.Time{}, nil
	a.ID = s.ids.next(a.Started)
	var v []byte
	err := s.group.prepared(func() (err error) {
		v, err = encodeAttempt(a)
		return err
	}, func(tx *bolt.Tx) error {
		if tx.Bucket(bucketAttempts).Get(a.ID.key()) != nil {
			return fmt.Errorf("jobs: attempt %s already exists", a.ID)
		}
		if err := putEncoded(tx, a.ID, "", a.UnitUID, v); err != nil {
			return err
		}
		return tx.Bucket(bucketRunning).Put(a.ID.key(), runningValue(a.UnitUID))
	})
	if err != nil {
		a.ID = 0
		return fmt.Errorf("jobs: begin attempt: %w", err)
	}
	return nil
}

// Checkpoint saves a running attempt's progress (steps so far, the UID once
// read-id ran), so a crash loses at most the step in flight.
func (s *Store) Checkpoint(ctx context.Context, a *Attempt) error {
	if err := s.writable(ctx); err != nil {
		return err
	}
	if a.Result != Running {
		return fmt.Errorf("jobs: checkpoint of attempt %s with result %q (only running attempts; use Finish)", a.ID, a.Result)
	}
	if err := a.validate(); err != nil {
		return err
	}
	a.Serials = nil
	var v []byte
	err := s.group.prepared(func() (err error) {
		v, err = encodeAttempt(a)
		return err
	}, func(tx *bolt.Tx) error {
		oldUID, err := runningTx(tx, a.ID)
		if err != nil {
			return err
		}
		if err := putEncoded(tx, a.ID, oldUID, a.UnitUID, v); err != nil {
			return err
		}
		return tx.Bucket(bucketRunning).Put(a.ID.key(), runningValue(a.UnitUID))
	})
	if err != nil {
		return fmt.Errorf("jobs: checkpoint: %w", err)
	}
	return nil
}

// Finish records how a running attempt ended (pass, fail, error or
// aborted; Ended defaults to now). In the same commit it settles the
// attempt's serial reservations: committed on pass, released otherwise,
// and lists them in a.Serials.
func (s *Store) Finish(ctx context.Context, a *Attempt) error {
	if err := s.writable(ctx); err != nil {
		return err
	}
	if !a.Result.final() {
		return fmt.Errorf("jobs: finish attempt %s with result %q (want pass, fail, error or aborted)", a.ID, a.Result)
	}
	if err := a.validate(); err != nil {
		return err
	}
	if a.Ended.IsZero() {
		a.Ended = time.Now()
	}
	// Encode (JSON + DEFLATE, the costly part) before the write transaction,
	// with the serials as the reservations stand now; only this attempt's
	// worker reserves for it, so they rarely differ at commit.
	var v []byte
	err := s.group.prepared(func() (err error) {
		if a.Serials, err = s.pendingSerials(a.ID, a.Result == Pass); err != nil {
			return err
		}
		v, err = encodeAttempt(a)
		return err
	}, func(tx *bolt.Tx) error {
		oldUID, err := runningTx(tx, a.ID)
		if err != nil {
			return err
		}
		settled, err := settleTx(tx, a.ID, a.Result == Pass)
		if err != nil {
			return err
		}
		enc := v
		if !slices.Equal(settled, a.Serials) {
			a.Serials = settled
			if enc, err = encodeAttempt(a); err != nil {
				return err
			}
		}
		if err := putEncoded(tx, a.ID, oldUID, a.UnitUID, enc); err != nil {
			return err
		}
		return tx.Bucket(bucketRunning).Delete(a.ID.key())
	})
	if err != nil {
		return fmt.Errorf("jobs: finish: %w", err)
	}
	return nil
}

// pendingSerials lists what settling attempt id's reservations would give.
func (s *Store) pendingSerials(id ID, commit bool) ([]Serial, error) {
	var out []Serial
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = reservationsTx(tx, id, commit)
		return err
	})
	return out, err
}

func (s *Store) writable(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if s.readOnly {
		return errorOf(ErrReadOnly, "jobs: %s is open read-only", s.path)
	}
	return nil
}

// runningTx checks attempt id is running and returns the UID it was last
// saved with, kept in the running bucket so writes need not decode the
// stored attempt.
func runningTx(tx *bolt.Tx, id ID) (string, error) {
	v := tx.Bucket(bucketRunning).Get(id.key())
	if v != nil {
		if bytes.Equal(v, present) {
			return "", nil
		}
		return string(v), nil
	}
	old, err := getTx(tx, id)
	if err != nil {
		return "", err
	}
	return "", fmt.Errorf("jobs: attempt %s has already ended (%s)", id, old.Result)
}

// runningValue is the running bucket's value: the attempt's UID so far.
func runningValue(uid string) []byte {
	if uid == "" {
		return present
	}
	return []byte(uid)
}

// putTx stores a whole attempt, keeping the UID index in step.
func putTx(tx *bolt.Tx, a *Attempt) error {
	var oldUID string
	if v := tx.Bucket(bucketAttempts).Get(a.ID.key()); v != nil {
		old, err := decodeAttempt(a.ID, v)
		if err != nil {
			return err
		}
		oldUID = old.UnitUID
	}
	v, err := encodeAttempt(a)
	if err != nil {
		return err
	}
	return putEncoded(tx, a.ID, oldUID, a.UnitUID, v)
}

func putEncoded(tx *bolt.Tx, id ID, oldUID, uid string, v []byte) error {
	idx := tx.Bucket(bucketByUID)
	if oldUID != "" && oldUID != uid {
		if err := idx.Delete(uidKey(oldUID, id)); err != nil {
			return err
		}
	}
	if uid != "" {
		if err := idx.Put(uidKey(uid, id), present); err != nil {
			return err
		}
	}
	b := tx.Bucket(bucketAttempts)
	b.FillPercent = appendFill
	return b.Put(id.key(), v)
}
