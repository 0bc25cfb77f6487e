package rp2040

import (
	"bytes"
	"context"
	"fmt"

	"github.com/flashstation/flashstation/targets"
)

const verifyChunk = 16 * 1024

// Verify reads the image back through XIP and compares; the first
// difference is a *targets.VerifyError counting all differing bytes.
func (s *Session) Verify(ctx context.Context, image []targets.Segment, progress targets.ProgressFunc) error {
	segs, err := s.checkImage(image)
	if err != nil {
		return err
	}
	if err := s.leaveRaw(ctx); err != nil {
		return err
	}
	var total, done int64
	for _, sg := range segs {
		total += int64(len(sg.Data))
	}
	report(progress, targets.PhaseVerify, 0, total)
	var first *targets.VerifyError
	for _, sg := range segs {
		for off := 0; off < len(sg.Data); off += verifyChunk {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("rp2040: verify stopped at 0x%08X: %w", sg.Addr+uint32(off), err)
			}
			want := sg.Data[off:min(off+verifyChunk, len(sg.Data))]
			got := make([]byte, len(want))
			if err := s.t.ReadBytes(ctx, sg.Addr+uint32(off), got); err != nil {
				return fmt.Errorf("rp2040: read back 0x%08X: %w", sg.Addr+uint32(off), err)
			}
			first = compare(first, sg.Addr+uint32(off), want, got)
			done += int64(len(want))
			report(progress, targets.PhaseVerify, done, total)
		}
	}
	if first != nil {
		return first
	}
	return nil
}

func compare(e *targets.VerifyError, addr uint32, want, got []byte) *targets.VerifyError {
	if bytes.Equal(want, got) {
		return e
	}
	for i := range want {
		if want[i] == got[i] {
			continue
		}
		if e == nil {
			end := min(i+8, len(want))
			e = &targets.VerifyError{Addr: addr + uint32(i),
				Want: append([]byte(nil), want[i:end]...), Got: append([]byte(nil), got[i:end]...)}
		}
		e.Mismatch++
	}
	return e
}

// WriteBytes programs per-unit data into flash without erasing: the pages
// it touches are programmed with 0xFF around the data (no change), and a
// bit that would have to go from 0 to 1 is refused.
func (s *Session) WriteBytes(ctx context.Context, addr uint32, data []byte) (err error) {
	if len(data) == 0 {
		return nil
	}
	if !s.v.Flash.Contains(addr, uint64(len(data))) {
		return fmt.Errorf("rp2040: 0x%08X..0x%08X lies outside %s flash", addr, uint64(addr)+uint64(len(data))-1, s.v.Part)
	}
	if err := s.leaveRaw(ctx); err != nil {
		return err
	}
	cur := make([]byte, len(data))
	if err := s.t.ReadBytes(ctx, addr, cur); err != nil {
		return fmt.Errorf("rp2040: read 0x%08X: %w", addr, err)
	}
	for i := range data {
		if cur[i]&data[i] != data[i] {
			return fmt.Errorf("rp2040: 0x%08X holds 0x%02X; 0x%02X needs bits set back to 1, which only an erase does",
				addr+uint32(i), cur[i], data[i])
		}
	}
	err = s.Program(ctx, []targets.Segment{{Addr: addr, Data: data}}, targets.ProgramOptions{SkipErase: true}, nil)
	if err != nil {
		return err
	}
	if err := s.Verify(ctx, []targets.Segment{{Addr: addr, Data: data}}, nil); err != nil {
		return fmt.Errorf("rp2040: write bytes: %w", err)
	}
	return nil
}
