package jobs

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
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
	Burned    int      `json:"burned"` // spent on attempts that did not pass
}

type seriesHead struct {
	First uint64 `json:"first"`
	Next  uint64 `json:"next"`
}

// A serial number's life: Reserve hands one to a running attempt; Spend
// says it is about to be written to the board; Finish (or crash recovery)
// settles it. Settling commits it when the attempt passed; otherwise a
// spent number is burned (it may be on the board, so no other unit ever
// gets it) and an unspent one is released for the next board. A burned
// number stays with its unit: a later attempt on the same unit UID gets it
// back from Reserve, so a rerun keeps the board's number.
//
// Both Reserve and Spend commit to bbolt before they return, so a process
// killed at any point after Spend has the number burned by the next Open.

// Reserve hands attempt id a number of series, starting the series at
// first if it is new. When the attempt's unit (the UID of its last
// Checkpoint, which a recipe saves right after read-id) holds a burned
// number of this series, that number comes back, already spent. Otherwise
// released numbers are handed out before new ones, so none is skipped; a
// committed or burned number is never handed to another unit. The attempt
// must be running. Reserving the same series twice for one attempt returns
// the same number.
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
		rv := tx.Bucket(bucketRunning).Get(id.key())
		if rv == nil {
			return fmt.Errorf("jobs: attempt %s is not running (Begin it first)", id)
		}
		if s.leased {
			// Factory-wide numbers start where the central series does,
			// not where the recipe says.
			if tx.Bucket(bucketSerials).Bucket([]byte(series)) == nil {
				return errorOf(ErrNoSerials, "jobs: no block of serial series %q leased yet: the station leases one from the factory database when it reaches it", series)
			}
			first = seriesFirst(tx, series)
		}
		sb, head, err := openSeries(tx, series, first, true)
		if err != nil {
			return err
		}
		rkey := reservationKey(id, series)
		if v := tx.Bucket(bucketReservations).Get(rkey); v != nil {
			n, _ = parseReservation(v)
			return nil
		}
		spent := false
		units, free := sb.Bucket(seriesUnits), sb.Bucket(seriesFree)
		if uid := uidOfRunning(rv); uid != "" && units.Get([]byte(uid)) != nil {
			// A rerun of a unit whose number may already be on it.
			n, spent = binary.BigEndian.Uint64(units.Get([]byte(uid))), true
			if err := units.Delete([]byte(uid)); err != nil {
				return err
			}
			if err := sb.Bucket(seriesBurned).Delete(u64(n)); err != nil {
				return err
			}
		} else if k := firstFree(sb, series, s.leased); k != nil {
			n = binary.BigEndian.Uint64(k)
			if err := free.Delete(k); err != nil {
				return err
			}
		} else if s.leased {
			next, ok, err := nextLeasedTx(sb, series, head.Next)
			if err != nil {
				return err
			}
			if !ok {
				return errorOf(ErrNoSerials, "jobs: no serial numbers of series %q left in the blocks this station holds: it leases more from the factory database when it reaches it", series)
			}
			n, head.Next = next, next+1
			if err := putHead(sb, head); err != nil {
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
		return tx.Bucket(bucketReservations).Put(rkey, reservationValue(n, spent))
	})
	if errors.Is(err, ErrNoSerials) {
		return 0, err
	}
	if err != nil {
		return 0, fmt.Errorf("jobs: reserve serial in series %q: %w", series, err)
	}
	return n, nil
}

// Spend marks every number attempt id holds as possibly on the board. Call
// it after Reserve and right before the number is written: once it returns,
// an attempt that does not pass, or a process that dies, burns the number
// instead of releasing it. An error means nothing was marked, and the
// number must not be written.
func (s *Store) Spend(ctx context.Context, id ID) error {
	if err := s.writable(ctx); err != nil {
		return err
	}
	if _, ok := s.running.has(id); !ok {
		return fmt.Errorf("jobs: spend serials: attempt %s is not running", id)
	}
	err := s.group.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketRunning).Get(id.key()) == nil {
			return fmt.Errorf("jobs: attempt %s is not running", id)
		}
		res := tx.Bucket(bucketReservations)
		prefix := id.key()
		var marks [][2][]byte
		c := res.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if n, spent := parseReservation(v); !spent {
				marks = append(marks, [2][]byte{bytes.Clone(k), reservationValue(n, true)})
			}
		}
		for _, m := range marks {
			if err := res.Put(m[0], m[1]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("jobs: spend serials of attempt %s: %w", id, err)
	}
	return nil
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
		if b := sb.Bucket(seriesBurned); b != nil { // absent in files from before burning
			st.Burned = b.Stats().KeyN
		}
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
		head := seriesHead{First: first, Next: first}
		if err := putHead(sb, head); err != nil {
			return nil, head, err
		}
	}
	if create {
		// A series started before burned numbers existed lacks their buckets.
		for _, sub := range seriesSubs {
			if _, err := sb.CreateBucketIfNotExists(sub); err != nil {
				return nil, seriesHead{}, err
			}
		}
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
// record them: committed when commit; otherwise burned when spent and
// released when not.
func reservationsTx(tx *bolt.Tx, id ID, commit bool) ([]Serial, error) {
	var out []Serial
	prefix := id.key()
	c := tx.Bucket(bucketReservations).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		n, spent := parseReservation(v)
		st := SerialReleased
		switch {
		case commit:
			st = SerialCommitted
		case spent:
			st = SerialBurned
		}
		out = append(out, Serial{Series: string(k[8:]), Number: n, State: st})
	}
	return out, nil
}

// settleTx ends every reservation of attempt id, whose unit is uid ("" when
// unknown): committed when commit; otherwise a spent number is burned
// against the attempt (and the unit, for its rerun) and an unspent one goes
// back to the free list.
func settleTx(tx *bolt.Tx, id ID, uid string, commit bool) ([]Serial, error) {
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
		var dst *bolt.Bucket
		val := id.key()
		switch h.State {
		case SerialCommitted:
			dst = sb.Bucket(seriesCommitted)
		case SerialBurned:
			if dst, err = sb.CreateBucketIfNotExists(seriesBurned); err != nil {
				return nil, err
			}
			if uid != "" {
				units, err := sb.CreateBucketIfNotExists(seriesUnits)
				if err != nil {
					return nil, err
				}
				if err := units.Put([]byte(uid), u64(h.Number)); err != nil {
					return nil, err
				}
			}
		default:
			dst, val = sb.Bucket(seriesFree), present
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

// releaseAllTx settles every number attempt id holds as not passed: spent
// ones burned (against unit uid when known), the others released.
func releaseAllTx(tx *bolt.Tx, id ID, uid string) ([]Serial, error) {
	return settleTx(tx, id, uid, false)
}

func u64(n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b[:]
}
