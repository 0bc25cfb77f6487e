package nrf52

import (
	"context"
	"fmt"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/access"
)

var _ targets.Reader = (*Session)(nil)

// ReadMemory reads dst from addr over the AHB-AP; with APPROTECT on the
// AHB-AP is closed and the read fails.
func (s *Session) ReadMemory(ctx context.Context, addr uint32, dst []byte, progress targets.ProgressFunc) error {
	if err := s.t.ReadBlock(ctx, addr, dst, access.DefaultChunk, targets.ReadProgress(progress, len(dst))); err != nil {
		return fmt.Errorf("nrf52: read 0x%08X+%d: %w", addr, len(dst), err)
	}
	return nil
}
