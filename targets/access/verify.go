package access

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/flashstation/flashstation/targets"
)

// VerifyChunk is the read-back size (bytes) between progress reports and
// cancellation checks in VerifyChunks.
const VerifyChunk = 16 * 1024

// VerifyChunks reads every segment back in VerifyChunk pieces with read
// (which explains its own errors) and compares. The first difference is
// returned as a *targets.VerifyError counting all differing bytes; pkg
// prefixes the message when ctx ends between pieces.
func VerifyChunks(ctx context.Context, pkg string, segs []targets.Segment, read func(ctx context.Context, addr uint32, n int) ([]byte, error), progress targets.ProgressFunc) error {
	var total, done int64
	for _, sg := range segs {
		total += int64(len(sg.Data))
	}
	report(progress, targets.PhaseVerify, 0, total)
	var first *targets.VerifyError
	for _, sg := range segs {
		for off := 0; off < len(sg.Data); off += VerifyChunk {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("%s: verify stopped at 0x%08X: %w", pkg, sg.Addr+uint32(off), err)
			}
			want := sg.Data[off:min(off+VerifyChunk, len(sg.Data))]
			got, err := read(ctx, sg.Addr+uint32(off), len(want))
			if err != nil {
				return err
			}
			first = Compare(first, sg.Addr+uint32(off), want, got)
			done += int64(len(want))
			report(progress, targets.PhaseVerify, done, total)
		}
	}
	if first != nil {
		return first
	}
	return nil
}

// Compare adds the differences of got against want at addr to e (nil
// until the first difference) and returns it: the first difference keeps
// its address and up to 8 bytes of each side, Mismatch counts them all.
func Compare(e *targets.VerifyError, addr uint32, want, got []byte) *targets.VerifyError {
	if bytes.Equal(want, got) {
		return e
	}
	for i := range want {
		if want[i] == got[i] {
			continue
		}
		if e == nil {
			end := min(i+8, len(want))
			e = &targets.VerifyError{Addr: addr + uint32(i), Want: slices.Clone(want[i:end]), Got: slices.Clone(got[i:end])}
		}
		e.Mismatch++
	}
	return e
}

// report sends one progress event when someone listens.
func report(p targets.ProgressFunc, ph targets.Phase, done, total int64) {
	if p != nil {
		p(targets.Progress{Phase: ph, Done: done, Total: total})
	}
}
