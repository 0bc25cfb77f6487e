package access

import (
	"context"
	"fmt"
)

// DefaultChunk is the block size of ReadBlock/WriteBlock between progress
// reports and cancellation checks: large enough to fill CMSIS-DAP
// pipelines and ST-Link's 6 KiB commands, small enough that a cancel or a
// progress bar answers within a few milliseconds at 4 MHz SWD.
const DefaultChunk = 4096

// BlockFunc is told how many bytes of a block transfer are done.
type BlockFunc func(done int)

// ReadBlock reads len(dst) bytes from addr in chunks, reporting progress
// after each and stopping between chunks when ctx ends.
func (t *Target) ReadBlock(ctx context.Context, addr uint32, dst []byte, chunk int, progress BlockFunc) error {
	return t.blocks(ctx, addr, len(dst), chunk, progress, func(a uint32, off, n int) error {
		return t.ReadBytes(ctx, a, dst[off:off+n])
	})
}

// WriteBlock writes src at addr (RAM or registers) in chunks, reporting
// progress after each and stopping between chunks when ctx ends.
func (t *Target) WriteBlock(ctx context.Context, addr uint32, src []byte, chunk int, progress BlockFunc) error {
	return t.blocks(ctx, addr, len(src), chunk, progress, func(a uint32, off, n int) error {
		return t.WriteBytes(ctx, a, src[off:off+n])
	})
}

func (t *Target) blocks(ctx context.Context, addr uint32, n, chunk int, progress BlockFunc, do func(a uint32, off, n int) error) error {
	if chunk <= 0 {
		chunk = DefaultChunk
	}
	for off := 0; off < n; {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("access: stopped at 0x%08X after %d of %d bytes: %w", addr+uint32(off), off, n, err)
		}
		// Chunks end on chunk-aligned addresses so the middle of a
		// transfer stays word-aligned.
		c := min(chunk-int((addr+uint32(off))%uint32(chunk)), n-off)
		if err := do(addr+uint32(off), off, c); err != nil {
			return err
		}
		off += c
		if progress != nil {
			progress(off)
		}
	}
	return nil
}
