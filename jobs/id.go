package jobs

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// ID identifies an attempt. It is the attempt's start time in Unix
// nanoseconds, bumped by one where two attempts start in the same
// nanosecond, so IDs sort by time and are unique within one file.
type ID uint64

// String is 16 lowercase hex digits, the form users type.
func (id ID) String() string { return fmt.Sprintf("%016x", uint64(id)) }

// Time is when the attempt started, to the nanosecond.
func (id ID) Time() time.Time { return time.Unix(0, int64(id)) }

// MarshalText writes the String form, so JSON shows "0186f0a1b2c3d4e5".
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText reads what MarshalText wrote.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// ParseID reads an attempt id of 1 to 16 hex digits.
func ParseID(s string) (ID, error) {
	if len(s) == 0 || len(s) > 16 {
		return 0, fmt.Errorf("jobs: attempt id %q is not 1 to 16 hex digits", s)
	}
	v, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("jobs: attempt id %q is not 1 to 16 hex digits", s)
	}
	return ID(v), nil
}

func (id ID) key() []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], uint64(id))
	return k[:]
}

func idFromKey(k []byte) ID { return ID(binary.BigEndian.Uint64(k)) }

// idGen hands out IDs that never go backwards, even when the wall clock
// does, because it starts above the last ID in the file.
type idGen struct {
	mu   sync.Mutex
	last ID
}

func (g *idGen) next(t time.Time) ID {
	g.mu.Lock()
	defer g.mu.Unlock()
	id := ID(t.UnixNano())
	if id <= g.last {
		id = g.last + 1
	}
	g.last = id
	return id
}
