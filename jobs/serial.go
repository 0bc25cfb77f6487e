package jobs

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"

	bolt "go.etcd.io/bbolt"
)

// SeriesState is the bookkeeping of one serial-number series.
type SeriesState struct {
	Name      string   `json:"name"`
	First     uint64   `json:"first"`
	Next      uint64   `json:"next"` // lowest number never handed out
	Free      []uint64 `json:"free"` // released numbers, handed out again first
	Reserved  int      `json:"reserved"`
	Committed int      `json:"committed"`
}

type seriesHead struct {
	First uint64 `json:"first"`
	Next  uint64 `json:"next"`
}

// Reserve hands attempt id the lowest free number of series, starting the
// series at first if it is new. Released numbers are handed out before new
// ones, so none is skipped; a committed number is never handed out again.
// The attempt must be running; Finish commits the number on pass and
// releases it otherwise, and crash recovery releases it. Reserving the same
// series twice for one attempt returns the same number.
func (s *Store) Reserve(ctx context.Context, series string, first uint64, id ID) (uint64, error) {
	if err := s.writable(ctx); err != nil {
		return 0, err
	}
	if err := checkSeriesName(series); err != nil {
		return 0, err
	}
	if !s.running.reserved(id) {
		return 0, fmt.Errorf("jobs: reserve serial in series %q: attempt %s is not running (Begin it first)", series, id)
	}
	var n uint64
	err := s.group.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketRunning).Get(id.key()) == nil {
			return fmt.Errorf("jobs: attempt %s is not running (Begin it first)", id)
		}
		sb, head, err := openSeries(tx, series, first, true)
		if err != nil {
			return err
		}
		rkey := reservationKey(id, series)
		if v := tx.Bucket(bucketReservations).Get(rkey); v != nil {
			n = binary.BigEndian.Uint64(v)
			return nil
		}
		free := sb.Bucket(seriesFree)
		if k, _ := free.Cursor().First(); k != nil {
			n = binary.BigEndian.Uint64(k)
			if err := free.Delete(k); err != nil {
				return err
			}
		} else {
			if head.Next == math.MaxUint64 {
				return fmt.Errorf("jobs: serial series %q is exhausted", series)
			}
			n = head.Next
			head.Next++
			if err := putHead(sb, head); err != nil {
				return err
			}
		}
		if err := sb.Bucket(seriesReserved).Put(u64(n), id.key()); err != nil {
			return err
		}
		return tx.Bucket(bucketReservations).Put(rkey, u64(n))
	})
	if err != nil {
		return 0, fmt.Errorf("jobs: reserve serial in series %q: %w", series, err)
	}
	return n, nil
}

// Series reports the state of one serial series.
func (s *Store) Series(ctx context.Context, name string) (*SeriesState, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := s.flush(ctx); err != nil {
		return nil, err
	}
	st := &SeriesState{Name: name}
	err := s.db.View(func(tx *bolt.Tx) error {
		sb, head, err := openSeries(tx, name, 0, false)
		if err != nil {
			return err
		}
		st.First, st.Next = head.First, head.Next
		if err := sb.Bucket(seriesFree).ForEach(func(k, _ []byte) error {
			st.Free = append(st.Free, binary.BigEndian.Uint64(k))
			return nil
		}); err != nil {
			return err
		}
		st.Reserved = sb.Bucket(seriesReserved).Stats().KeyN
		st.Committed = sb.Bucket(seriesCommitted).Stats().KeyN
		return nil
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

func checkSeriesName(series string) error {
	if series == "" || len(series) > maxSeriesLen {
		return fmt.Errorf("jobs: serial series name %q must be 1 to %d bytes", series, maxSeriesLen)
	}
	if bytes.IndexByte([]byte(series), 0) >= 0 {
		return fmt.Errorf("jobs: serial series name %q contains a NUL byte", series)
	}
	return nil
}

// openSeries finds (or, with create, starts) a series. A recipe that names
// another first value than the series started with is refused: silently
// jumping or reusing numbers is what the series exists to prevent.
func openSeries(tx *bolt.Tx, name string, first uint64, create bool) (*bolt.Bucket, seriesHead, error) {
	root := tx.Bucket(bucketSerials)
	sb := root.Bucket([]byte(name))
	if sb == nil {
		if !create {
			return nil, seriesHead{}, errorOf(ErrNotFound, "jobs: no serial series %q", name)
		}
		var err error
		if sb, err = root.CreateBucket([]byte(name)); err != nil {
			return nil, seriesHead{}, err
		}
		for _, sub := range [][]byte{seriesFree, seriesReserved, seriesCommitted} {
			if _, err := sb.CreateBucket(sub); err != nil {
				return nil, seriesHead{}, err
			}
		}
		head := seriesHead{First: first, Next: first}
		return sb, head, putHead(sb, head)
	}
	var head seriesHead
	if err := json.Unmarshal(sb.Get(seriesState), &head); err != nil {
		return nil, head, fmt.Errorf("jobs: serial series %q state is damaged: %w", name, err)
	}
	if create && head.First != first {
		return nil, head, fmt.Errorf("jobs: serial series %q started at %d, the recipe says %d", name, head.First, first)
	}
	return sb, head, nil
}

func putHead(sb *bolt.Bucket, head seriesHead) error {
	v, err := json.Marshal(head)
	if err != nil {
		return err
	}
	return sb.Put(seriesState, v)
}

// reservationsTx lists attempt id's reservations as settling them would
// record them: committed when commit, released otherwise.
func reservationsTx(tx *bolt.Tx, id ID, commit bool) ([]Serial, error) {
	st := SerialReleased
	if commit {
		st = SerialCommitted
	}
	var out []Serial
	prefix := id.key()
	c := tx.Bucket(bucketReservations).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		out = append(out, Serial{Series: string(k[8:]), Number: binary.BigEndian.Uint64(v), State: st})
	}
	return out, nil
}

// settleTx ends every reservation of attempt id: committed when commit,
// released (back to the free list) otherwise.
func settleTx(tx *bolt.Tx, id ID, commit bool) ([]Serial, error) {
	all, err := reservationsTx(tx, id, commit)
	if err != nil {
		return nil, err
	}
	for _, h := range all {
		sb := tx.Bucket(bucketSerials).Bucket([]byte(h.Series))
		if sb == nil {
			return nil, fmt.Errorf("jobs: reservation of attempt %s names missing series %q", id, h.Series)
		}
		if err := sb.Bucket(seriesReserved).Delete(u64(h.Number)); err != nil {
			return nil, err
		}
		dst, val := sb.Bucket(seriesFree), present
		if commit {
			dst, val = sb.Bucket(seriesCommitted), id.key()
		}
		if err := dst.Put(u64(h.Number), val); err != nil {
			return nil, err
		}
		if err := tx.Bucket(bucketReservations).Delete(reservationKey(id, h.Series)); err != nil {
			return nil, err
		}
	}
	return all, nil
}

// releaseAllTx gives back every number attempt id holds.
func releaseAllTx(tx *bolt.Tx, id ID) ([]Serial, error) { return settleTx(tx, id, false) }

func u64(n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b[:]
}
