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
	UnitTimeout time.Duration // per unit on the host path, on the probe's clock (drivers.Deadline); 0: 100 ms
	// Clear, written to Addr, clears the error flags (write-1-to-clear):
	// a unit whose write was repeated by a probe retry raises a
	// programming error while already holding the right value, and the
	// stream recovers from that by reading back. 0: no recovery.
	Clear uint32
	// Redundant: error flags a write of an already programmed unit
	// raises while leaving the unit as it was (STM32F1 PGERR). After link
	// trouble they are cleared and the flash read back decides; any other
	// error flag ends the stream at once.
	Redundant    uint32
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

// ProgramError: a unit reads back neither erased nor as written, so
// writing it again cannot help (it was not erased, or the cell is bad).
type ProgramError struct {
	Addr      uint32
	Want, Got []byte
	Status    uint32 // the status register's flags seen meanwhile
	Cause     error  // what interrupted the stream
}

func (e *ProgramError) Error() string {
	return fmt.Sprintf("access: flash at 0x%08X holds %X, neither erased nor the image's %X (status 0x%08X; stream interrupted by: %v)",
		e.Addr, e.Got, e.Want, e.Status, e.Cause)
}

func (e *ProgramError) Unwrap() error { return e.Cause }

func statusOf(se *StatusError) uint32 {
	if se == nil {
		return 0
	}
	return se.Status
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
	// Stalled: the controller stalls the bus on a write while it is
	// busy (genuine STM32F1/F4), so units go back to back through TAR
	// auto-increment and the status is checked once per chunk (see
	// stallUnits). Never for parts that drop such writes.
	Stalled  bool
	Progress BlockFunc
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

// WritePolled writes s.Data unit by unit. Without s.Stalled it waits
// for s.Wait after each and never starts a unit while the controller is
// busy. On a CMSIS-DAP
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
		if s.Stalled {
			err = t.stallUnits(ctx, s, off, n)
		} else if t.memAP != nil && t.DAP != nil {
			err = t.batchUnits(ctx, s, off, n)
		} else {
			err = t.hostUnits(ctx, s, off, n)
		}
		if err == nil {
			return nil
		}
		if errors.Is(err, ErrBroken) || ctx.Err() != nil {
			return err
		}
		var se *StatusError
		if errors.As(err, &se) && (se.Status&s.Wait.Errors&^s.Wait.Redundant != 0 || s.Wait.Clear == 0) {
			return err
		}
		// Link or WAIT trouble, or only the flags a repeated write raises:
		// wait for the controller, then let the flash itself say how far
		// the chunk got. Units are never sent again on a guess.
		st, werr := t.settle(ctx, s.Wait)
		if werr != nil {
			return fmt.Errorf("access: waiting for the flash controller after %v: %w", err, werr)
		}
		if st&s.Wait.Errors != 0 {
			if st&s.Wait.Errors&^s.Wait.Redundant != 0 || s.Wait.Clear == 0 {
				return &StatusError{Addr: s.Addr + uint32(off), Status: st}
			}
			if cerr := t.Write32(ctx, s.Wait.Addr&^3, s.Wait.Clear<<(8*(s.Wait.Addr&3))); cerr != nil {
				return fmt.Errorf("access: clearing the flash status after %v: %w", err, cerr)
			}
		}
		got := make([]byte, n)
		if rerr := t.ReadBytes(ctx, s.Addr+uint32(off), got); rerr != nil {
			return fmt.Errorf("access: reading flash back to find where to resume after %v: %w", err, rerr)
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
		if !erased(got[first:first+s.Width], s.Wait.ErasedFiller) {
			return &ProgramError{Addr: s.Addr + uint32(off+first), Want: bytes.Clone(s.Data[off+first : off+first+s.Width]),
				Got: got[first : first+s.Width], Status: st | statusOf(se), Cause: err}
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
			// Errors stay latched; wait for BSY=0 anyway, so the flash
			// read back next is final.
			if v&w.Mask == w.Want {
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

// batchUnits runs one chunk as DAP batches: per unit a TAR write, the
// DRW write and a value-match poll of the status. arm.MemAP caches CSW: a word
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
	ops = append(ops, w(arm.CSW, cswRestore))
	err := t.DAP.Batch(ctx, ops)
	if err == nil {
		return nil
	}
	if rerr := t.restoreCSW(ctx); rerr != nil {
		return rerr
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

// cswRestore is the CSW value arm.MemAP's cache holds after the word
// read that starts each batch path.
const cswRestore = arm.DefaultCSW | cswSize32 | cswInc

// restoreCSW puts CSW back after a failed batch, even when ctx has ended:
// the session still has to lock the flash controller through the MEM-AP.
// If that fails too, the target is marked broken.
func (t *Target) restoreCSW(ctx context.Context) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	op := []drivers.DAPOp{{AP: true, APSel: t.apsel, Addr: arm.CSW, Write: true, Value: cswRestore}}
	var rerr error
	for range 3 {
		if rerr = t.DAP.Batch(rctx, op); rerr == nil {
			return nil
		}
	}
	t.broken = fmt.Errorf("%w (%v)", ErrBroken, rerr)
	return t.broken
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
	dl := drivers.NewDeadline(t.timed(), w.UnitTimeout)
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
		// A controller that answers but never finishes is caught here,
		// on the probe's clock: modeled time in the simulator, where a
		// busy host must not turn a good board into a fail.
		if dl.Passed() {
			return fmt.Errorf("access: flash controller still busy (0x%08X) after writing 0x%08X: %w", v, a, ErrTimeout)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}
