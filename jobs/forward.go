package jobs

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Store-and-forward (package central): a forwarder copies ended attempts
// elsewhere in id order and keeps its position here, in the meta bucket,
// so a restart resumes where it stopped. The position means "every attempt
// with an id up to it has been delivered"; it never passes an attempt still
// running, so an attempt that ends late is never left behind. Delivery
// must be idempotent by id: a crash between delivering and SetForwarded
// delivers the last batch again.

// metaForwarded is the meta key of the forwarder's position (id, 8 bytes).
var metaForwarded = []byte("forwarded")

// Backlog is what the forwarder has still to deliver.
type Backlog struct {
	// Count is ended attempts after the position.
	Count int
	// Oldest is when the oldest of them ended (zero when Count is 0).
	Oldest time.Time
	// Blocked: an attempt still running holds back Count attempts that
	// ended after it started (they follow it in id order).
	Blocked bool
}

// Forwarded is the forwarder's position (0: nothing delivered yet).
func (s *Store) Forwarded(ctx context.Context) (ID, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("jobs: %w", err)
	}
	var id ID
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(metaForwarded); len(v) == 8 {
			id = ID(binary.BigEndian.Uint64(v))
		}
		return nil
	})
	return id, err
}

// SetForwarded records that every attempt up to id was delivered. It
// commits before it returns. A position lower than the stored one is
// refused: going back would only deliver again, but it means two
// forwarders share one store.
func (s *Store) SetForwarded(ctx context.Context, id ID) error {
	if err := s.writable(ctx); err != nil {
		return err
	}
	err := s.group.update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(metaForwarded); len(v) == 8 && ID(binary.BigEndian.Uint64(v)) > id {
			return fmt.Errorf("position %s is behind the stored %s", id, ID(binary.BigEndian.Uint64(v)))
		}
		return meta.Put(metaForwarded, id.key())
	})
	if err != nil {
		return fmt.Errorf("jobs: set the forwarded position: %w", err)
	}
	return nil
}

// horizon is an id no attempt still to begin or still running lies
// below: the lowest id running in this process, else above every id.
// Begin takes its id and enters the running set under beginMu, so no
// attempt can take an id below the horizon after it was read.
func (s *Store) horizon() ID {
	s.beginMu.Lock()
	defer s.beginMu.Unlock()
	return s.running.lowest()
}

// Ended returns up to max attempts after id after, in id order, all ended
// (pass, fail, error, aborted or interrupted), stopping before the first
// attempt that is still running.
func (s *Store) Ended(ctx context.Context, after ID, max int) ([]*Attempt, error) {
	var out []*Attempt
	err := s.scanEnded(ctx, after, func(id ID, v []byte) (bool, error) {
		a, err := decodeAttempt(id, v)
		if err != nil {
			return false, err
		}
		out = append(out, a)
		return len(out) < max, nil
	})
	return out, err
}

// BacklogAfter counts the ended attempts after id after, running ones
// excluded, and finds when the oldest of them ended.
func (s *Store) BacklogAfter(ctx context.Context, after ID) (Backlog, error) {
	var b Backlog
	if err := s.flush(ctx); err != nil {
		return b, err
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		running := tx.Bucket(bucketRunning)
		c := tx.Bucket(bucketAttempts).Cursor()
		for k, v := c.Seek(next(after).key()); k != nil; k, v = c.Next() {
			id := idFromKey(k)
			if running.Get(k) != nil {
				b.Blocked = true
				continue
			}
			if b.Count++; b.Count == 1 {
				a, err := decodeAttempt(id, v)
				if err != nil {
					return err
				}
				b.Oldest = a.Ended
			}
		}
		return nil
	})
	if b.Count == 0 {
		b.Blocked = false
	}
	return b, err
}

// scanEnded calls fn for each attempt after id after in id order while it
// returns true, stopping before the first attempt still running.
func (s *Store) scanEnded(ctx context.Context, after ID, fn func(ID, []byte) (bool, error)) error {
	horizon := s.horizon()
	// Everything that returned before the horizon was read is in bbolt
	// after this: an attempt below it either ended or reads as running.
	if err := s.flush(ctx); err != nil {
		return err
	}
	return s.db.View(func(tx *bolt.Tx) error {
		running := tx.Bucket(bucketRunning)
		c := tx.Bucket(bucketAttempts).Cursor()
		for k, v := c.Seek(next(after).key()); k != nil; k, v = c.Next() {
			id := idFromKey(k)
			if id >= horizon || running.Get(k) != nil {
				return nil
			}
			more, err := fn(id, v)
			if err != nil || !more {
				return err
			}
		}
		return nil
	})
}

func next(id ID) ID {
	if id == math.MaxUint64 {
		return id
	}
	return id + 1
}
