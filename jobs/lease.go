package jobs

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Leased series (factory-wide serial numbers, package central): a store
// opened with Options.LeasedSerials hands out numbers only from blocks a
// central database leased to this station (AddBlock), in order, block
// after block. The rest of a number's life is as in serial.go: released
// numbers are reused, burned ones stay with their unit, committed ones are
// the unit's. A station offline keeps using the blocks it holds and, when
// they run out, Reserve fails with ErrNoSerials, naming the series.
//
// Giving numbers back (a series no longer used, a station retired) is two
// steps: MarkReturning takes the blocks out of use and lists the numbers
// never handed out; once the central database recorded them as skipped,
// DropReturning forgets the blocks. A crash between the two leaves the
// blocks marked, and Returning lists them again.

// ErrNoSerials: a leased series has no number left in the blocks held.
var ErrNoSerials = errors.New("jobs: no serial numbers left")

// seriesBlocks is the sub-bucket of a leased series: first(8) -> block.
var seriesBlocks = []byte("blocks")

// Block is numbers First..Last (inclusive) of a series leased as Lease.
type Block struct {
	Series    string `json:"series"`
	Lease     int64  `json:"lease"`
	First     uint64 `json:"first"`
	Last      uint64 `json:"last"`
	Returning bool   `json:"returning,omitempty"`
}

func encodeBlock(b Block) []byte {
	v := make([]byte, 17)
	binary.BigEndian.PutUint64(v, b.Last)
	binary.BigEndian.PutUint64(v[8:], uint64(b.Lease))
	if b.Returning {
		v[16] = 1
	}
	return v
}

func decodeBlock(series string, k, v []byte) (Block, error) {
	if len(k) != 8 || len(v) != 17 {
		return Block{}, fmt.Errorf("jobs: serial series %q: damaged block record", series)
	}
	return Block{Series: series, First: binary.BigEndian.Uint64(k), Last: binary.BigEndian.Uint64(v),
		Lease: int64(binary.BigEndian.Uint64(v[8:])), Returning: v[16] == 1}, nil
}

// AddBlock records a block leased for this station. A block already held
// (the same first number) is accepted again unchanged; one overlapping a
// held block, or below numbers already handed out, is refused.
func (s *Store) AddBlock(ctx context.Context, b Block) error {
	if err := s.writable(ctx); err != nil {
		return err
	}
	if err := checkSeriesName(b.Series); err != nil {
		return err
	}
	if b.Last < b.First {
		return fmt.Errorf("jobs: serial block %d..%d of %q is empty", b.First, b.Last, b.Series)
	}
	err := s.group.update(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketSerials)
		fresh := root.Bucket([]byte(b.Series)) == nil
		sb, head, err := openSeries(tx, b.Series, b.First, true)
		if err != nil && !fresh {
			// A held series keeps its first: only the blocks matter.
			sb, head, err = openSeries(tx, b.Series, seriesFirst(tx, b.Series), true)
		}
		if err != nil {
			return err
		}
		blocks, err := sb.CreateBucketIfNotExists(seriesBlocks)
		if err != nil {
			return err
		}
		if v := blocks.Get(u64(b.First)); v != nil {
			old, err := decodeBlock(b.Series, u64(b.First), v)
			if err == nil && old.Last == b.Last && old.Lease == b.Lease {
				return nil
			}
			return fmt.Errorf("a block starting at %d is already held", b.First)
		}
		c := blocks.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			held, err := decodeBlock(b.Series, k, v)
			if err != nil {
				return err
			}
			if b.First <= held.Last && held.First <= b.Last {
				return fmt.Errorf("block %d..%d overlaps the held block %d..%d", b.First, b.Last, held.First, held.Last)
			}
		}
		if !fresh && b.Last < head.Next {
			return fmt.Errorf("block %d..%d lies below numbers already handed out (next %d)", b.First, b.Last, head.Next)
		}
		return blocks.Put(u64(b.First), encodeBlock(b))
	})
	if err != nil {
		return fmt.Errorf("jobs: add serial block %d..%d of %q: %w", b.First, b.Last, b.Series, err)
	}
	return nil
}

func seriesFirst(tx *bolt.Tx, name string) uint64 {
	_, head, _ := openSeries(tx, name, 0, false)
	return head.First
}

// nextLeasedTx finds the lowest number at or above next that lies in a
// block in use; ok false when the blocks are used up.
func nextLeasedTx(sb *bolt.Bucket, series string, next uint64) (uint64, bool, error) {
	blocks := sb.Bucket(seriesBlocks)
	if blocks == nil {
		return 0, false, nil
	}
	c := blocks.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		b, err := decodeBlock(series, k, v)
		if err != nil {
			return 0, false, err
		}
		if b.Returning || b.Last < next {
			continue
		}
		return max(next, b.First), true, nil
	}
	return 0, false, nil
}

// SerialsLeft counts the numbers of a leased series this station can
// still hand out: the rest of its blocks in use, and released numbers.
func (s *Store) SerialsLeft(ctx context.Context, series string) (uint64, error) {
	if err := s.flush(ctx); err != nil {
		return 0, err
	}
	var left uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		sb, head, err := openSeries(tx, series, 0, false)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		c := sb.Bucket(seriesFree).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if !inReturningBlock(sb, series, binary.BigEndian.Uint64(k)) {
				left++
			}
		}
		return eachBlock(sb, series, func(b Block) error {
			if !b.Returning && b.Last >= head.Next {
				left += b.Last - max(head.Next, b.First) + 1
			}
			return nil
		})
	})
	return left, err
}

func eachBlock(sb *bolt.Bucket, series string, fn func(Block) error) error {
	blocks := sb.Bucket(seriesBlocks)
	if blocks == nil {
		return nil
	}
	return blocks.ForEach(func(k, v []byte) error {
		b, err := decodeBlock(series, k, v)
		if err != nil {
			return err
		}
		return fn(b)
	})
}

// Unused is a block being given back and the numbers of it never handed
// to a board: the central database records them as skipped.
type Unused struct {
	Block
	Numbers []uint64
}

// MarkReturning takes every block of series out of use and lists, per
// block, the numbers never handed out (released ones included). It is
// refused while an attempt holds a number of the series.
func (s *Store) MarkReturning(ctx context.Context, series string) ([]Unused, error) {
	if err := s.writable(ctx); err != nil {
		return nil, err
	}
	err := s.group.update(func(tx *bolt.Tx) error {
		sb, _, err := openSeries(tx, series, 0, false)
		if err != nil {
			return err
		}
		if n := sb.Bucket(seriesReserved).Stats().KeyN; n > 0 {
			return fmt.Errorf("%d numbers are held by running attempts: give the series back when they have ended", n)
		}
		var marks []Block
		if err := eachBlock(sb, series, func(b Block) error {
			if !b.Returning {
				b.Returning = true
				marks = append(marks, b)
			}
			return nil
		}); err != nil {
			return err
		}
		for _, b := range marks {
			if err := sb.Bucket(seriesBlocks).Put(u64(b.First), encodeBlock(b)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: give back serial series %q: %w", series, err)
	}
	return s.Returning(ctx, series)
}

// Returning lists the blocks of series marked for return and their
// unused numbers (after a crash: what still has to be recorded).
func (s *Store) Returning(ctx context.Context, series string) ([]Unused, error) {
	if err := s.flush(ctx); err != nil {
		return nil, err
	}
	var out []Unused
	err := s.db.View(func(tx *bolt.Tx) error {
		sb, head, err := openSeries(tx, series, 0, false)
		if err != nil {
			return err
		}
		free := sb.Bucket(seriesFree)
		return eachBlock(sb, series, func(b Block) error {
			if !b.Returning {
				return nil
			}
			u := Unused{Block: b}
			c := free.Cursor()
			for k, _ := c.Seek(u64(b.First)); k != nil && binary.BigEndian.Uint64(k) <= b.Last; k, _ = c.Next() {
				u.Numbers = append(u.Numbers, binary.BigEndian.Uint64(k))
			}
			for n := max(head.Next, b.First); n <= b.Last && n >= b.First; n++ {
				u.Numbers = append(u.Numbers, n)
				if n == ^uint64(0) {
					break
				}
			}
			out = append(out, u)
			return nil
		})
	})
	return out, err
}

// DropReturning forgets the blocks of series marked for return, and the
// released numbers in them, once the central database has them.
func (s *Store) DropReturning(ctx context.Context, series string) error {
	if err := s.writable(ctx); err != nil {
		return err
	}
	err := s.group.update(func(tx *bolt.Tx) error {
		sb, _, err := openSeries(tx, series, 0, false)
		if err != nil {
			return err
		}
		var gone []Block
		if err := eachBlock(sb, series, func(b Block) error {
			if b.Returning {
				gone = append(gone, b)
			}
			return nil
		}); err != nil {
			return err
		}
		free := sb.Bucket(seriesFree)
		for _, b := range gone {
			var nums [][]byte
			c := free.Cursor()
			for k, _ := c.Seek(u64(b.First)); k != nil && binary.BigEndian.Uint64(k) <= b.Last; k, _ = c.Next() {
				nums = append(nums, append([]byte(nil), k...))
			}
			for _, k := range nums {
				if err := free.Delete(k); err != nil {
					return err
				}
			}
			if err := sb.Bucket(seriesBlocks).Delete(u64(b.First)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("jobs: give back serial series %q: %w", series, err)
	}
	return nil
}

// firstFree is the lowest released number that may be handed out again:
// in a leased series, not one in a block being given back.
func firstFree(sb *bolt.Bucket, series string, leased bool) []byte {
	c := sb.Bucket(seriesFree).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if !leased || !inReturningBlock(sb, series, binary.BigEndian.Uint64(k)) {
			return k
		}
	}
	return nil
}

func inReturningBlock(sb *bolt.Bucket, series string, n uint64) bool {
	blocks := sb.Bucket(seriesBlocks)
	if blocks == nil {
		return false
	}
	k, v := blocks.Cursor().Seek(u64(n))
	if k == nil || binary.BigEndian.Uint64(k) != n {
		k, v = prevKey(blocks, k)
	}
	if k == nil {
		return false
	}
	b, err := decodeBlock(series, k, v)
	return err == nil && b.Returning && n >= b.First && n <= b.Last
}

// prevKey is the key before k (the last key when k is nil).
func prevKey(b *bolt.Bucket, k []byte) ([]byte, []byte) {
	c := b.Cursor()
	if k == nil {
		return c.Last()
	}
	c.Seek(k)
	return c.Prev()
}
