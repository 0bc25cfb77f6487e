package jobs

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Get loads one attempt.
func (s *Store) Get(ctx context.Context, id ID) (*Attempt, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := s.flush(ctx); err != nil {
		return nil, err
	}
	var a *Attempt
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		a, err = getTx(tx, id)
		return err
	})
	return a, err
}

// ByUnit returns every attempt of one unit, oldest first; uid is normalised
// first. No attempts is ErrNotFound, wrapped in a line naming the unit.
func (s *Store) ByUnit(ctx context.Context, uid string) ([]*Attempt, error) {
	norm, err := NormalizeUID(uid)
	if err != nil {
		return nil, err
	}
	var out []*Attempt
	err = s.Each(ctx, Filter{UID: norm}, func(a *Attempt) error {
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errorOf(ErrNotFound, "jobs: no attempts recorded for unit %s in %s", norm, s.path)
	}
	return out, nil
}

// Query returns the attempts f selects.
func (s *Store) Query(ctx context.Context, f Filter) ([]*Attempt, error) {
	var out []*Attempt
	err := s.Each(ctx, f, func(a *Attempt) error {
		out = append(out, a)
		return nil
	})
	return out, err
}

// Each calls fn for every attempt f selects, in id order (newest first with
// f.Newest), inside one read transaction: fn sees a consistent snapshot
// while writers go on. A UID filter scans the UID index; otherwise the time
// range bounds the scan of the attempts bucket. An error from fn stops the
// walk and is returned as is.
func (s *Store) Each(ctx context.Context, f Filter, fn func(*Attempt) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if err := s.flush(ctx); err != nil {
		return err
	}
	return s.db.View(func(tx *bolt.Tx) error {
		ids := idWalker(tx, &f)
		attempts := tx.Bucket(bucketAttempts)
		n := 0
		for i := 0; ; i++ {
			id, ok := ids()
			if !ok {
				return nil
			}
			// A long export checks for cancellation now and then, not per row.
			if i%1024 == 1023 {
				if err := ctx.Err(); err != nil {
					return fmt.Errorf("jobs: %w", err)
				}
			}
			v := attempts.Get(id.key())
			if v == nil {
				return fmt.Errorf("jobs: UID index names attempt %s, which is missing", id)
			}
			a, err := decodeAttempt(id, v)
			if err != nil {
				return err
			}
			if !f.match(a) {
				continue
			}
			if err := fn(a); err != nil {
				return err
			}
			if n++; f.Limit > 0 && n >= f.Limit {
				return nil
			}
		}
	})
}

// idWalker returns an iterator over the ids in f's range, from the UID
// index when f names a unit, else from the attempts bucket.
func idWalker(tx *bolt.Tx, f *Filter) func() (ID, bool) {
	var c *bolt.Cursor
	var prefix []byte
	idOf := idFromKey
	if f.UID != "" {
		c = tx.Bucket(bucketByUID).Cursor()
		prefix = uidPrefix(f.UID)
		idOf = func(k []byte) ID { return idFromKey(k[len(prefix):]) }
	} else {
		c = tx.Bucket(bucketAttempts).Cursor()
	}
	seekKey := func(id ID) []byte { return append(append([]byte(nil), prefix...), id.key()...) }
	var k []byte
	started := false
	return func() (ID, bool) {
		switch {
		case !started && f.Newest:
			started = true
			if f.Until.IsZero() {
				// Past the last key with this prefix: prefix+0xff.. is above
				// every id under it.
				k, _ = c.Seek(append(append([]byte(nil), prefix...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
			} else {
				k, _ = c.Seek(seekKey(seekID(f.Until)))
			}
			if k == nil {
				k, _ = c.Last()
			} else {
				k, _ = c.Prev()
			}
		case !started:
			started = true
			k, _ = c.Seek(seekKey(seekID(f.Since)))
		case f.Newest:
			k, _ = c.Prev()
		default:
			k, _ = c.Next()
		}
		for k != nil && bytes.HasPrefix(k, prefix) {
			id := idOf(k)
			if f.inRange(id) {
				return id, true
			}
			// Outside the range in the walking direction: nothing further.
			if f.Newest && !f.Since.IsZero() && int64(id) < boundNanos(f.Since) {
				return 0, false
			}
			if !f.Newest && !f.Until.IsZero() && int64(id) >= boundNanos(f.Until) {
				return 0, false
			}
			if f.Newest {
				k, _ = c.Prev()
			} else {
				k, _ = c.Next()
			}
		}
		return 0, false
	}
}
