package stm32

import (
	"context"
	"fmt"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/access"
)

var _ targets.Reader = (*Base)(nil)

// ReadMemory reads dst from addr over the MEM-AP. Under RDP level 1 the
// flash reads as a bus error to the debugger (RM0008 §2.3.2, RM0383 §3.6.3).
func (b *Base) ReadMemory(ctx context.Context, addr uint32, dst []byte, progress targets.ProgressFunc) error {
	if err := b.T.ReadBlock(ctx, addr, dst, access.DefaultChunk, targets.ReadProgress(progress, len(dst))); err != nil {
		return fmt.Errorf("%s: read 0x%08X+%d: %w", b.V.Family, addr, len(dst), err)
	}
	return nil
}
