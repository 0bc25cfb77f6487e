package access

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/arm"
)

// Status says how to wait on a flash controller after each write: done
// when value&Mask == Want, failed when value&Errors != 0.
type Status struct {
	Addr        uint32
	Mask, Want  uint32
	Errors      uint32
	UnitTimeout time.Duration // wall time per unit on the host path; 0: 100 ms
	// Clear, written to Addr, clears the error flags (write-1-to-clear):
	// a unit whose write was repeated by a probe retry raises a
	// programming error while already holding the right value, and the
	// stream recovers from that by reading back. 0: no recovery.
	Clear        uint32
	ErasedFiller byte // the value of an erased byte, 0xFF
}

// StatusError: the controller raised error bits while programming.
type StatusError struct {
	Addr   uint32 // first unit not known to be written
	Status uint32 // the status register's value
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("access: flash controller status 0x%08X while writing at 0x%08X", e.Status, e.Addr)
}

// Stream is a run of program units, each to be written and then waited
// on before the next one goes out.
type Stream struct {
	Addr  uint32
	Data  []byte // a multiple of Width
	Width int    // 2 or 4 bytes per unit
	Wait  Status
	// SkipErased leaves out units that are all ErasedFiller: the caller
	// knows the flash under them is erased.
	SkipErased bool
	Progress   BlockFunc
}

// unitsPerBatch: 512 units make a few full CMSIS-DAP packets in flight
// and a progress step of 1–2 KiB.
const unitsPerBatch = 512

// maxStalls is how often a batch may fail without any unit getting
// written before the stream gives up.
const maxStalls = 4

// CSW bits for the stream path (ADIv5.2 C2.6.4): Size [2:0], AddrInc
// [5:4] off so TAR stays where it is written.
const (
	cswSize16 uint32 = 1
	cswSize32 uint32 = 2
	cswInc    uint32 = 1 << 4
)

// WritePolled writes s.Data unit by unit, waiting for s.Wait after each,
// and never starts a unit while the controller is busy. On a CMSIS-DAP
// probe one batch carries hundreds of "TAR, DRW write, TAR, value-match
// read of the status" groups, so a unit costs four SWD transfers and no
// USB round trip of its own. Elsewhere each unit is a write and a status
// poll through the probe's memory commands.
func (t *Target) WritePolled(ctx context.Context, s Stream) error {
	if s.Width != 2 && s.Width != 4 || len(s.Data)%s.Width != 0 || s.Addr%uint32(s.Width) != 0 {
		return fmt.Errorf("access: stream of %d bytes at 0x%08X is not in whole %d-byte units", len(s.Data), s.Addr, s.Width)
	}
	if t.broken != nil {
		return t.broken
	}
	if s.Wait.UnitTimeout == 0 {
		s.Wait.UnitTimeout = 100 * time.Millisecond
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for off := 0; off < len(s.Data); {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("access: stopped at 0x%08X: %w", s.Addr+uint32(off), err)
		}
		n := min(unitsPerBatch*s.Width, len(s.Data)-off)
		if err := t.streamChunk(ctx, s, off, n); err != nil {
			return err
		}
		off += n
		if s.Progress != nil {
			s.Progress(off)
		}
	}
	return nil
}

// streamChunk writes Data[off:off+n], resuming after failed batches from
// the first unit that reads back wrong.
func (t *Target) streamChunk(ctx context.Context, s Stream, off, n int) error {
	stalls, last := 0, -1
	for {
		var err error
		if t.memAP != nil && t.DAP != nil {
			err = t.batchUnits(ctx, s, off, n)
		} else {
			err = t.hostUnits(ctx, s, off, n)
		}
		if err == nil {
			return nil
		}
		var se *StatusError
		if errors.Is(err, ErrBroken) || ctx.Err() != nil || errors.As(err, &se) && s.Wait.Clear == 0 {
			return err
		}
		if se != nil {
			if cerr := t.Write32(ctx, s.Wait.Addr&^3, s.Wait.Clear<<(8*(s.Wait.Addr&3))); cerr != nil {
				return errors.Join(err, cerr)
			}
		}
		// Link or WAIT trouble: wait for the controller, then find how
		// far the chunk got from the flash itself.
		if st, werr := t.settle(ctx, s.Wait); werr != nil {
			return errors.Join(err, werr)
		} else if st&s.Wait.Errors != 0 {
			return &StatusError{Addr: s.Addr + uint32(off), Status: st}
		}
		got := make([]byte, n)
		if rerr := t.ReadBytes(ctx, s.Addr+uint32(off), got); rerr != nil {
			return errors.Join(err, rerr)
		}
		first := n
		for i := 0; i < n; i += s.Width {
			if !bytes.Equal(got[i:i+s.Width], s.Data[off+i:off+i+s.Width]) && !(s.SkipErased && erased(s.Data[off+i:off+i+s.Width], s.Wait.ErasedFiller)) {
				first = i
				break
			}
		}
		if first == n {
			return nil
		}
		if se != nil && !erased(got[first:first+s.Width], s.Wait.ErasedFiller) {
			// A real programming error: the unit was not erased.
			return &StatusError{Addr: s.Addr + uint32(off+first), Status: se.Status}
		}
		if first == last {
			if stalls++; stalls >= maxStalls {
				return fmt.Errorf("access: no progress at 0x%08X after %d attempts: %w", s.Addr+uint32(off+first), stalls, err)
			}
		} else {
			stalls = 0
		}
		last = first
		off, n = off+first, n-first
	}
}

// settle waits until the controller is idle (or reports errors).
func (t *Target) settle(ctx context.Context, w Status) (uint32, error) {
	deadline := time.Now().Add(time.Second)
	for {
		v, err := t.Read32(ctx, w.Addr&^3)
		if err == nil {
			v >>= 8 * (w.Addr & 3)
			if v&w.Errors != 0 || v&w.Mask == w.Want {
				return v, nil
			}
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return v, fmt.Errorf("access: flash controller at 0x%08X never went idle: %w", w.Addr, errors.Join(err, ctx.Err()))
		}
	}
}

func erased(unit []byte, filler byte) bool {
	for _, b := range unit {
		if b != filler {
			return false
		}
	}
	return true
}

func unitValue(b []byte) uint32 {
	var v uint32
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint32(b[i])
	}
	return v
}

// batchUnits runs one chunk as DAP batches. arm.MemAP caches CSW: a word
// read through it first pins that cache to size 32 with increment, and
// the batch ends by writing exactly that value back.
func (t *Target) batchUnits(ctx context.Context, s Stream, off, n int) error {
	if _, err := t.Read32(ctx, s.Wait.Addr&^3); err != nil {
		return err
	}
	size := cswSize32
	if s.Width == 2 {
		size = cswSize16
	}
	ap := t.apsel
	w := func(reg uint8, v uint32) drivers.DAPOp {
		return drivers.DAPOp{AP: true, APSel: ap, Addr: reg, Write: true, Value: v}
	}
	pollLane := 8 * (s.Wait.Addr & uint32(4-s.Width))
	match := &drivers.Match{Mask: (s.Wait.Mask | s.Wait.Errors) << pollLane, Value: s.Wait.Want << pollLane}
	ops := make([]drivers.DAPOp, 0, 2+4*n/s.Width)
	ops = append(ops, w(arm.CSW, arm.DefaultCSW|size))
	for i := 0; i < n; i += s.Width {
		u := s.Data[off+i : off+i+s.Width]
		if s.SkipErased && erased(u, s.Wait.ErasedFiller) {
			continue
		}
		a := s.Addr + uint32(off+i)
		ops = append(ops, w(arm.TAR, a), w(arm.DRW, unitValue(u)<<(8*(a&3))), w(arm.TAR, s.Wait.Addr),
			drivers.DAPOp{AP: true, APSel: ap, Addr: arm.DRW, Match: match})
	}
	restore := w(arm.CSW, arm.DefaultCSW|cswSize32|cswInc)
	ops = append(ops, restore)
	err := t.DAP.Batch(ctx, ops)
	if err == nil {
		return nil
	}
	// Put CSW back even when ctx has ended: the session still has to lock
	// the flash controller through the MEM-AP.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	var rerr error
	for range 3 {
		if rerr = t.DAP.Batch(rctx, []drivers.DAPOp{restore}); rerr == nil {
			break
		}
	}
	if rerr != nil {
		t.broken = fmt.Errorf("%w (%v)", ErrBroken, rerr)
		return t.broken
	}
	if ctx.Err() != nil {
		return fmt.Errorf("access: stopped at 0x%08X: %w", s.Addr+uint32(off), ctx.Err())
	}
	// A value that never matched may be an error bit: say so precisely.
	if st, serr := t.Read32(ctx, s.Wait.Addr&^3); serr == nil && (st>>(8*(s.Wait.Addr&3)))&s.Wait.Errors != 0 {
		return &StatusError{Addr: s.Addr + uint32(off), Status: st >> (8 * (s.Wait.Addr & 3))}
	}
	return fmt.Errorf("access: write at 0x%08X: %w", s.Addr+uint32(off), err)
}

// hostUnits writes one unit per memory command and polls the status with
// plain reads: every unit costs the probe's round trips.
func (t *Target) hostUnits(ctx context.Context, s Stream, off, n int) error {
	for i := 0; i < n; i += s.Width {
		u := s.Data[off+i : off+i+s.Width]
		if s.SkipErased && erased(u, s.Wait.ErasedFiller) {
			continue
		}
		a := s.Addr + uint32(off+i)
		var err error
		if s.Width == 2 {
			err = t.Mem.WriteMemory16(ctx, a, []uint16{uint16(unitValue(u))})
		} else {
			err = t.Mem.WriteMemory32(ctx, a, []uint32{unitValue(u)})
		}
		if err != nil {
			return fmt.Errorf("access: write at 0x%08X: %w", a, err)
		}
		if err := t.waitUnit(ctx, s.Wait, a); err != nil {
			return err
		}
	}
	return nil
}

func (t *Target) waitUnit(ctx context.Context, w Status, a uint32) error {
	start := time.Now()
	for {
		v, err := t.Read32(ctx, w.Addr&^3)
		if err != nil {
			return err
		}
		v >>= 8 * (w.Addr & 3)
		if v&w.Errors != 0 {
			return &StatusError{Addr: a, Status: v}
		}
		if v&w.Mask == w.Want {
			return nil
		}
		// Wall time, not modeled time: a controller that answers but
		// never finishes is caught here.
		if time.Since(start) > w.UnitTimeout {
			return fmt.Errorf("access: flash controller still busy (0x%08X) after writing 0x%08X: %w", v, a, ErrTimeout)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}
