package rp2040

import (
	"context"
	"fmt"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/access"
)

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
	return access.VerifyChunks(ctx, "rp2040", segs, func(ctx context.Context, addr uint32, n int) ([]byte, error) {
		got := make([]byte, n)
		if err := s.t.ReadBytes(ctx, addr, got); err != nil {
			return nil, fmt.Errorf("rp2040: read back 0x%08X: %w", addr, err)
		}
		return got, nil
	}, progress)
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
