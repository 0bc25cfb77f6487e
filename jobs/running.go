package jobs

import (
	"math"
	"sync"
)

// runningSet is the attempts this store has begun and not finished, kept
// in memory so a write is checked without reading bbolt, which may not
// have the attempt's records yet. Open starts it empty: recovery has just
// ended every attempt the file held as running.
type runningSet struct {
	mu sync.Mutex
	m  map[ID]bool // id -> a serial was reserved for it
}

func (r *runningSet) begin(id ID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = make(map[ID]bool)
	}
	r.m[id] = false
}

// has reports whether id is running and whether it reserved a serial.
func (r *runningSet) has(id ID) (reserved, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	reserved, ok = r.m[id]
	return reserved, ok
}

// reserved notes that id holds a reservation; false when id is not running.
func (r *runningSet) reserved(id ID) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.m[id]; !ok {
		return false
	}
	r.m[id] = true
	return true
}

// end removes id, so only one Finish of it goes ahead.
func (r *runningSet) end(id ID) (reserved, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	reserved, ok = r.m[id]
	delete(r.m, id)
	return reserved, ok
}

// restore puts back an attempt whose Finish failed to reach the journal.
func (r *runningSet) restore(id ID, reserved bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = make(map[ID]bool)
	}
	r.m[id] = reserved
}

// lowest is the smallest running id, or the largest id when none runs.
func (r *runningSet) lowest() ID {
	r.mu.Lock()
	defer r.mu.Unlock()
	low := ID(math.MaxUint64)
	for id := range r.m {
		low = min(low, id)
	}
	return low
}
