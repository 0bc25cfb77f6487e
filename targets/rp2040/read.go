package rp2040

import (
	"context"
	"fmt"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/access"
)

var _ targets.Reader = (*Session)(nil)

// ReadMemory reads dst from addr. Flash reads go through XIP, which a
// chip without booted firmware has not set up (the bus faults), and which
// an earlier operation may have left off: a read touching flash first has
// the bootrom connect the flash and enter XIP (RP2040 datasheet §2.8.3.1.3:
// connect_internal_flash, flash_exit_xip, flush_cache, flash_enter_cmd_xip).
func (s *Session) ReadMemory(ctx context.Context, addr uint32, dst []byte, progress targets.ProgressFunc) error {
	if s.v.Flash.Base < addr+uint32(len(dst)) && uint64(addr) < s.v.Flash.End() {
		if err := s.enterRaw(ctx); err != nil {
			return err
		}
	}
	if err := s.leaveRaw(ctx); err != nil {
		return err
	}
	if err := s.t.ReadBlock(ctx, addr, dst, access.DefaultChunk, targets.ReadProgress(progress, len(dst))); err != nil {
		return fmt.Errorf("rp2040: read 0x%08X+%d: %w", addr, len(dst), err)
	}
	return nil
}
