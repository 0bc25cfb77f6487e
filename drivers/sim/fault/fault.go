package fault

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Kind of fault.
type Kind uint8

const (
	LinkDrop    Kind = iota // a USB transfer is lost: the host times out
	LinkCorrupt             // a reply arrives with a flipped byte
	LinkTimeout             // the probe stops answering for a while
	WaitStorm               // the target answers WAIT for many retries
	NoAck                   // nobody drives SWDIO: ACK reads 0b111
	Parity                  // a read's data parity is wrong
	ProgramFail             // a flash program operation reports an error
	EraseFail               // a flash erase operation reports an error
	Unplug                  // the probe disappears mid-operation
	PowerLoss               // the target loses power
	Wait                    // one SWD transfer answers WAIT (use Arm: "the next N transfers")
	LinkLate                // a reply leaves the probe late (LateBy after it was ready)
	Hang                    // the probe firmware stops answering until it is replugged
	numKinds
)

// LateBy is how late a LinkLate reply arrives: longer than a host's
// short drain reads (OpenOCD cmsis_dap_flush_read waits 10 ms a read),
// shorter than a per-command deadline.
const LateBy = 500 * time.Millisecond

var kindNames = [...]string{"link-drop", "link-corrupt", "link-timeout", "wait-storm",
	"no-ack", "parity", "program-fail", "erase-fail", "unplug", "power-loss", "wait", "link-late", "hang"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Injector decides, repeatably from its seed, whether a fault fires at each
// opportunity. The zero of *Injector (nil) never fires, so parts can hold a
// nil injector when no faults are configured.
type Injector struct {
	mu   sync.Mutex
	rng  *rand.Rand
	rate [numKinds]float64
	// BadCells are flash addresses whose cells do not keep a programmed
	// value (they read back erased). Chip models consult IsBadCell.
	badCells map[uint32]bool
	fired    [numKinds]int
	// armedN[k] opportunities of kind k fire for certain before the rate
	// is consulted again (Arm): deterministic faults for tests.
	armedN [numKinds]int
	// armed has bit k set while kind k has a rate above 0, so Fire on an
	// unarmed kind (every SWD packet, every USB transfer) skips the lock.
	armed atomic.Uint32
}

// New returns an injector with the given seed and no rates set.
func New(seed uint64) *Injector {
	return &Injector{rng: rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15)), badCells: map[uint32]bool{}}
}

// SetRate sets the probability (0..1) that kind fires at each opportunity.
func (f *Injector) SetRate(k Kind, p float64) {
	f.mu.Lock()
	f.rate[k] = p
	if p > 0 || f.armedN[k] > 0 {
		f.armed.Or(1 << k)
	} else {
		f.armed.And(^uint32(1 << k))
	}
	f.mu.Unlock()
}

// Arm makes the next n opportunities of kind k fire, whatever the rate:
// a deterministic fault ("the next 3 transfers answer WAIT") a test can
// assert recovery from. Arm(k, 0) disarms.
func (f *Injector) Arm(k Kind, n int) {
	f.mu.Lock()
	f.armedN[k] = max(n, 0)
	if n > 0 || f.rate[k] > 0 {
		f.armed.Or(1 << k)
	} else {
		f.armed.And(^uint32(1 << k))
	}
	f.mu.Unlock()
}

// Armed is how many armed opportunities of kind k are left.
func (f *Injector) Armed(k Kind) int {
	if f == nil {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.armedN[k]
}

// AddBadCell marks a flash word address as not keeping its value.
func (f *Injector) AddBadCell(addr uint32) {
	f.mu.Lock()
	f.badCells[addr&^3] = true
	f.mu.Unlock()
}

// Fire reports whether a fault of kind k happens now.
func (f *Injector) Fire(k Kind) bool {
	if f == nil || f.armed.Load()&(1<<k) == 0 {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.armedN[k] > 0 {
		f.armedN[k]--
		f.fired[k]++
		return true
	}
	if f.rate[k] <= 0 {
		return false
	}
	if f.rng.Float64() < f.rate[k] {
		f.fired[k]++
		return true
	}
	return false
}

// IsBadCell reports whether the flash cell holding addr (any address within
// an aligned 4-byte word marked bad) fails to keep its value.
func (f *Injector) IsBadCell(addr uint32) bool {
	if f == nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.badCells[addr&^3]
}

// Intn returns a repeatable pseudo-random number in [0, n) (e.g. which byte
// to corrupt).
func (f *Injector) Intn(n int) int {
	if f == nil || n <= 0 {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rng.IntN(n)
}

// Fired counts how often kind k has fired.
func (f *Injector) Fired(k Kind) int {
	if f == nil {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fired[k]
}
