package stm32

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/access"
	"github.com/flashstation/flashstation/targets/facts"
)

// Base is what both STM32 sessions share: the target, the variant, and
// the operations that do not involve the flash controller.
type Base struct {
	T *access.Target
	V *facts.Variant
}

// SafeCtx is the context for leaving the chip safe (flash controller
// locked) after ctx was cancelled: the same values, no cancellation, a
// short deadline.
func SafeCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
}

// CheckImage refuses an image any byte of which lies outside flash,
// before anything touches the chip.
func (b *Base) CheckImage(image []targets.Segment) error {
	for _, s := range image {
		if len(s.Data) == 0 {
			continue
		}
		if !b.V.Flash.Contains(s.Addr, uint64(len(s.Data))) {
			return fmt.Errorf("image segment 0x%08X..0x%08X lies outside %s flash 0x%08X..0x%08X: wrong image or wrong recipe",
				s.Addr, uint64(s.Addr)+uint64(len(s.Data))-1, b.V.Part, b.V.Flash.Base, b.V.Flash.End()-1)
		}
	}
	return nil
}

// Align returns the image as segments padded with 0xFF (erased flash) to
// whole program units, sorted, with overlapping or touching segments
// merged so no unit is written twice.
func Align(image []targets.Segment, unit uint32) []Segment {
	segs := slices.Clone(image)
	slices.SortFunc(segs, func(a, c targets.Segment) int { return int(int64(a.Addr) - int64(c.Addr)) })
	var out []Segment
	for _, s := range segs {
		if len(s.Data) == 0 {
			continue
		}
		start := s.Addr &^ (unit - 1)
		end := (uint64(s.Addr) + uint64(len(s.Data)) + uint64(unit) - 1) &^ uint64(unit-1)
		if n := len(out); n > 0 && uint64(out[n-1].Addr)+uint64(len(out[n-1].Data)) >= uint64(start) {
			last := &out[n-1]
			if grow := int(end - uint64(last.Addr)); grow > len(last.Data) {
				last.Data = append(last.Data, bytes.Repeat([]byte{0xFF}, grow-len(last.Data))...)
			}
			copy(last.Data[s.Addr-last.Addr:], s.Data)
			continue
		}
		d := bytes.Repeat([]byte{0xFF}, int(end-uint64(start)))
		copy(d[s.Addr-start:], s.Data)
		out = append(out, Segment{Addr: start, Data: d})
	}
	return out
}

// SectorsFor lists the erase units the image touches, each once.
func (b *Base) SectorsFor(image []targets.Segment) ([]facts.Sector, error) {
	var out []facts.Sector
	for _, s := range image {
		sec, err := b.V.SectorsCovering(s.Addr, uint64(len(s.Data)))
		if err != nil {
			return nil, err
		}
		for _, x := range sec {
			if !slices.ContainsFunc(out, func(y facts.Sector) bool { return y.Index == x.Index }) {
				out = append(out, x)
			}
		}
	}
	return out, nil
}

// EraseRange returns the sectors [addr, addr+size) covers exactly, or an
// error naming the nearest boundaries.
func (b *Base) EraseRange(addr, size uint32) ([]facts.Sector, error) {
	secs, err := b.V.SectorsCovering(addr, uint64(size))
	if err != nil {
		return nil, err
	}
	if len(secs) == 0 {
		return nil, nil
	}
	first, last := secs[0], secs[len(secs)-1]
	if first.Addr != addr || uint64(last.Addr)+uint64(last.Size) != uint64(addr)+uint64(size) {
		return nil, fmt.Errorf("0x%08X+0x%X is not aligned to %s erase units: the covering range is 0x%08X+0x%X",
			addr, size, b.V.Part, first.Addr, uint64(last.Addr)+uint64(last.Size)-uint64(first.Addr))
	}
	return secs, nil
}

// Verify reads every segment back and compares. A difference is a
// *targets.VerifyError with the first address, a few bytes of each side
// and the number of bytes that differ in all.
func (b *Base) Verify(ctx context.Context, image []targets.Segment, progress targets.ProgressFunc) error {
	var total, done int64
	for _, s := range image {
		total += int64(len(s.Data))
	}
	report(progress, targets.PhaseVerify, 0, total)
	var verr *targets.VerifyError
	for _, s := range image {
		got := make([]byte, len(s.Data))
		base := done
		err := b.T.ReadBlock(ctx, s.Addr, got, access.DefaultChunk, func(n int) {
			report(progress, targets.PhaseVerify, base+int64(n), total)
		})
		if err != nil {
			return fmt.Errorf("read back 0x%08X+0x%X: %w", s.Addr, len(s.Data), err)
		}
		done += int64(len(s.Data))
		verr = access.Compare(verr, s.Addr, s.Data, got)
	}
	if verr != nil {
		return verr
	}
	return nil
}

// Reset resets the chip; with halt the core stops at the reset vector.
func (b *Base) Reset(ctx context.Context, halt bool) error {
	if halt {
		return b.T.Core.ResetAndHalt(ctx)
	}
	return b.T.Core.Reset(ctx)
}

// Close disconnects from the target; the probe stays open.
func (b *Base) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return b.T.Close(ctx)
}

// report sends one progress event when someone listens.
func report(p targets.ProgressFunc, ph targets.Phase, done, total int64) {
	if p != nil {
		p(targets.Progress{Phase: ph, Done: done, Total: total})
	}
}

// Report is report for the family packages.
func Report(p targets.ProgressFunc, ph targets.Phase, done, total int64) { report(p, ph, done, total) }

// Segment is an image segment aligned to program units.
type Segment = targets.Segment
