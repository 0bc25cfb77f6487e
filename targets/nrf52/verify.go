package nrf52

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	"github.com/flashstation/flashstation/targets"
)

// verifyChunk is the read-back size between progress reports.
const verifyChunk = 16 * 1024

// Verify reads every image byte back and compares. The first difference
// is returned as a *targets.VerifyError counting all differing bytes.
func (s *Session) Verify(ctx context.Context, image []targets.Segment, progress targets.ProgressFunc) error {
	segs, err := s.checkImage(image)
	if err != nil {
		return err
	}
	if err := s.ready(ctx); err != nil {
		return err
	}
	var total, done int64
	for _, sg := range segs {
		total += int64(len(sg.data))
	}
	report(progress, targets.PhaseVerify, 0, total)
	var first *targets.VerifyError
	for _, sg := range segs {
		for off := 0; off < len(sg.data); off += verifyChunk {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("nrf52: verify stopped at 0x%08X: %w", sg.addr+uint32(off), err)
			}
			want := sg.data[off:min(off+verifyChunk, len(sg.data))]
			got, err := s.readBytes(ctx, sg.addr+uint32(off), len(want))
			if err != nil {
				return err
			}
			first = compare(first, sg.addr+uint32(off), want, got)
			done += int64(len(want))
			report(progress, targets.PhaseVerify, done, total)
		}
	}
	if first != nil {
		return first
	}
	return nil
}

// readBytes reads n bytes from addr with word accesses (flash and UICR
// answer words; the edges are trimmed).
func (s *Session) readBytes(ctx context.Context, addr uint32, n int) ([]byte, error) {
	base := addr &^ 3
	words := make([]uint32, (int(addr-base)+n+3)/4)
	if err := s.readWords(ctx, base, words); err != nil {
		return nil, fmt.Errorf("nrf52: read back 0x%08X: %w", base, err)
	}
	buf := make([]byte, 4*len(words))
	for i, w := range words {
		binary.LittleEndian.PutUint32(buf[4*i:], w)
	}
	return buf[addr-base : int(addr-base)+n], nil
}

// compare adds the differences of got against want at addr to e (nil
// until the first difference).
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
