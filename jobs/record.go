package jobs

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Begin records a new attempt as running and sets a.ID, a.Result and, when
// zero, a.Started. Call it before touching the board: if the process dies
// afterwards, the next Open marks the attempt interrupted.
//
// Begin, Checkpoint and Finish return once their record is synced to the
// journal (wal.go); the records reach the bbolt buckets in the background
// and before any read of this store.
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
	s.beginMu.Lock() // the id and the running mark together (see horizon)
	a.ID = s.ids.next(a.Started)
	s.running.begin(a.ID)
	s.beginMu.Unlock()
	if s.beginHook != nil {
		s.beginHook(a.ID)
	}
	v, err := encodeAttemptJSON(a)
	if err == nil {
		err = s.journal.append(&journalRecord{kind: recordBegin, id: a.ID, uid: a.UnitUID, value: v})
	}
	if err != nil {
		s.running.end(a.ID)
	}
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
	if _, ok := s.running.has(a.ID); !ok {
		return fmt.Errorf("jobs: checkpoint: %w", s.notRunning(ctx, a.ID))
	}
	a.Serials = nil
	v, err := encodeAttemptJSON(a)
	if err == nil {
		err = s.journal.append(&journalRecord{kind: recordCheckpoint, id: a.ID, uid: a.UnitUID, value: v})
	}
	if err != nil {
		return fmt.Errorf("jobs: checkpoint: %w", err)
	}
	return nil
}

// Finish records how a running attempt ended (pass, fail, error or
// aborted; Ended defaults to now). Its serial reservations are settled
// with it: committed on pass, released otherwise, and listed in a.Serials.
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
	reserved, ok := s.running.end(a.ID)
	if !ok {
		return fmt.Errorf("jobs: finish: %w", s.notRunning(ctx, a.ID))
	}
	if a.Ended.IsZero() {
		a.Ended = time.Now()
	}
	pass := a.Result == Pass
	var err error
	a.Serials = nil
	if reserved {
		// Reservations are committed to bbolt as they are made, so this
		// is what settling them will give (apply.go checks again).
		a.Serials, err = s.pendingSerials(a.ID, pass)
	}
	var v []byte
	if err == nil {
		v, err = encodeAttemptJSON(a)
	}
	if err == nil {
		r := journalRecord{kind: recordFinish, id: a.ID, uid: a.UnitUID, value: v}
		if pass {
			r.flags |= flagPass
		}
		if len(a.Serials) > 0 {
			r.flags |= flagSerials
		}
		err = s.journal.append(&r)
	}
	if err != nil {
		s.running.restore(a.ID, reserved)
		return fmt.Errorf("jobs: finish: %w", err)
	}
	return nil
}

// notRunning explains why attempt id cannot be written to: it ended, or
// this store never had it.
func (s *Store) notRunning(ctx context.Context, id ID) error {
	a, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	return fmt.Errorf("jobs: attempt %s has already ended (%s)", id, a.Result)
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
	v, err := encodeAttemptJSON(a)
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
