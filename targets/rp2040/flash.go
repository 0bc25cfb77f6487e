package rp2040

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flashstation/flashstation/targets"
)

// stagePiece is how much of the next block is written to SRAM between
// looks at the core, so a finished erase is followed by its program call
// within a few milliseconds.
const stagePiece = 8 * 1024

// eraseRange erases [off, off+size) of flash (offsets, sector aligned) in
// calls of at most one 64 KiB block each, so a cancel is honoured between
// blocks and progress moves.
func (s *Session) eraseRange(ctx context.Context, off, size uint32, ph targets.Phase, progress targets.ProgressFunc) (err error) {
	if err := s.ready(ctx); err != nil {
		return err
	}
	if err := s.enterRaw(ctx); err != nil {
		return err
	}
	defer func() { err = errors.Join(err, s.leaveRaw(ctx)) }()
	report(progress, ph, 0, int64(size))
	for done := uint32(0); done < size; {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("rp2040: erase stopped at flash offset 0x%06X: %w", off+done, err)
		}
		n := min(size-done, blockSize-(off+done)%blockSize)
		if err := s.callFn(ctx, fnErase, blockCallTimeout, off+done, n, blockSize, uint32(cmdBlockErs)); err != nil {
			return fmt.Errorf("rp2040: erase flash offset 0x%06X+%d: %w", off+done, n, err)
		}
		done += n
		report(progress, ph, int64(done), int64(size))
	}
	return nil
}

// chunk is the part of an image inside one 64 KiB flash block.
type chunk struct {
	eraseOff, eraseLen uint32 // sectors covering the data
	progOff            uint32 // first page
	data               []byte // whole pages, 0xFF where the image has none
}

// chunks cuts checked segments (flash offsets) into per-block chunks.
func chunks(segs []targets.Segment, base uint32) []chunk {
	var out []chunk
	for _, sg := range segs {
		off := sg.Addr - base
		for i := 0; i < len(sg.Data); {
			a := off + uint32(i)
			n := min(len(sg.Data)-i, int(blockSize-a%blockSize))
			lo, hi := a, a+uint32(n)
			blk := a &^ (blockSize - 1)
			if len(out) > 0 && out[len(out)-1].progOff&^(blockSize-1) == blk {
				// Another segment in the same block: widen that chunk.
				c := &out[len(out)-1]
				lo = min(lo, c.progOff)
				hi = max(hi, c.progOff+uint32(len(c.data)))
				*c = widen(*c, lo, hi)
			} else {
				out = append(out, widen(chunk{}, lo, hi))
			}
			c := &out[len(out)-1]
			copy(c.data[a-c.progOff:], sg.Data[i:i+n])
			i += n
		}
	}
	return out
}

// widen makes c cover [lo, hi), keeping the data it has.
func widen(c chunk, lo, hi uint32) chunk {
	p0, p1 := lo&^(pageSize-1), (hi+pageSize-1)&^(pageSize-1)
	d := make([]byte, p1-p0)
	for i := range d {
		d[i] = 0xFF
	}
	if c.data != nil {
		copy(d[c.progOff-p0:], c.data)
	}
	s0, s1 := lo&^(sectSize-1), (hi+sectSize-1)&^(sectSize-1)
	return chunk{eraseOff: s0, eraseLen: s1 - s0, progOff: p0, data: d}
}

// checkImage refuses an image that leaves the variant's flash.
func (s *Session) checkImage(image []targets.Segment) ([]targets.Segment, error) {
	var out []targets.Segment
	for _, sg := range image {
		if len(sg.Data) == 0 {
			continue
		}
		if !s.v.Flash.Contains(sg.Addr, uint64(len(sg.Data))) {
			return nil, fmt.Errorf("rp2040: image bytes 0x%08X..0x%08X lie outside %s flash (0x%08X..0x%08X); refusing to program",
				sg.Addr, uint64(sg.Addr)+uint64(len(sg.Data))-1, s.v.Part, s.v.Flash.Base, s.v.Flash.End()-1)
		}
		out = append(out, sg)
	}
	return out, nil
}

// call is one bootrom call of a pipeline.
type pending struct {
	f       fn
	args    []uint32
	timeout time.Duration
}

// Program erases (unless told not to) and programs the image block by
// block. While the bootrom works on one block from one SRAM buffer, the
// host stages the next block in the other.
func (s *Session) Program(ctx context.Context, image []targets.Segment, opts targets.ProgramOptions, progress targets.ProgressFunc) (err error) {
	segs, err := s.checkImage(image)
	if err != nil {
		return err
	}
	cs := chunks(segs, s.v.Flash.Base)
	if len(cs) == 0 {
		return nil
	}
	if err := s.ready(ctx); err != nil {
		return err
	}
	if err := s.enterRaw(ctx); err != nil {
		return err
	}
	defer func() { err = errors.Join(err, s.leaveRaw(ctx)) }()
	var total, done int64
	for _, c := range cs {
		total += int64(len(c.data))
	}
	report(progress, targets.PhaseProgram, 0, total)
	bufs := [2]uint32{ramBufA, ramBufB}
	if err := s.stage(ctx, bufs[0], cs[0].data); err != nil {
		return fmt.Errorf("rp2040: stage data in SRAM: %w", err)
	}
	for i, c := range cs {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("rp2040: programming stopped before flash offset 0x%06X: %w", c.progOff, err)
		}
		var calls []pending
		if !opts.SkipErase {
			calls = append(calls, pending{fnErase, []uint32{c.eraseOff, c.eraseLen, blockSize, uint32(cmdBlockErs)}, blockCallTimeout})
		}
		calls = append(calls, pending{fnProgram, []uint32{c.progOff, bufs[i%2], uint32(len(c.data))}, blockCallTimeout})
		var next []byte
		if i+1 < len(cs) {
			next = cs[i+1].data
		}
		if err := s.overlap(ctx, calls, bufs[(i+1)%2], next); err != nil {
			return err
		}
		done += int64(len(c.data))
		report(progress, targets.PhaseProgram, done, total)
	}
	return nil
}

// overlap runs calls one after another on the core while staging next at
// buf, looking at the core between staging pieces.
func (s *Session) overlap(ctx context.Context, calls []pending, buf uint32, next []byte) error {
	if err := s.setupCalls(ctx); err != nil {
		return err
	}
	k := 0
	startNext := func() error {
		c := calls[k]
		if err := s.start(ctx, s.funcs[c.f], c.args...); err != nil {
			return fmt.Errorf("%w (function %q)", err, c.f[:])
		}
		return nil
	}
	finishCur := func() error {
		if _, err := s.finish(ctx, calls[k].timeout); err != nil {
			return fmt.Errorf("%w (function %q at flash offset 0x%06X)", err, calls[k].f[:], calls[k].args[0])
		}
		k++
		return nil
	}
	if err := startNext(); err != nil {
		return err
	}
	// Staging is plain SRAM writes; the core keeps running meanwhile.
	wctx := context.WithoutCancel(ctx)
	for off := 0; off < len(next); off += stagePiece {
		piece := next[off:min(off+stagePiece, len(next))]
		if err := s.stage(wctx, buf+uint32(off), piece); err != nil {
			// Let the running call end before giving up.
			_ = finishCur()
			return fmt.Errorf("rp2040: stage data in SRAM: %w", err)
		}
		if k < len(calls)-1 {
			var halted bool
			err := retryWait(wctx, func() (err error) { halted, err = s.t.Core.IsHalted(wctx); return err })
			if err != nil {
				return fmt.Errorf("rp2040: look at the core: %w", err)
			}
			if halted {
				if err := finishCur(); err != nil {
					return err
				}
				if err := startNext(); err != nil {
					return err
				}
			}
		}
	}
	for k < len(calls) {
		if err := finishCur(); err != nil {
			return err
		}
		if k < len(calls) {
			if err := startNext(); err != nil {
				return err
			}
		}
	}
	return nil
}
