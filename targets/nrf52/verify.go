package nrf52

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/access"
)

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
	flat := make([]targets.Segment, len(segs))
	for i, sg := range segs {
		flat[i] = targets.Segment{Addr: sg.addr, Data: sg.data}
	}
	return access.VerifyChunks(ctx, "nrf52", flat, s.readBytes, progress)
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
