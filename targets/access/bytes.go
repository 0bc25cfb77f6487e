package access

import (
	"context"
	"encoding/binary"
	"fmt"
)

// span is one piece of a byte range moved with one access width.
type span struct {
	addr  uint32
	off   int // into the caller's buffer
	n     int // bytes
	width int // 1 or 4
}

// split cuts [addr, addr+n) into an unaligned head and tail moved as
// bytes and a word-aligned middle moved as words: the widest access the
// bus offers, and the only one some peripherals answer.
func split(addr uint32, n int) []span {
	var out []span
	head := int((4 - addr%4) % 4)
	if head > n {
		head = n
	}
	if head > 0 {
		out = append(out, span{addr: addr, off: 0, n: head, width: 1})
	}
	mid := (n - head) &^ 3
	if mid > 0 {
		out = append(out, span{addr: addr + uint32(head), off: head, n: mid, width: 4})
	}
	if tail := n - head - mid; tail > 0 {
		out = append(out, span{addr: addr + uint32(head+mid), off: head + mid, n: tail, width: 1})
	}
	return out
}

// ReadBytes reads len(dst) bytes from addr, any alignment.
func (t *Target) ReadBytes(ctx context.Context, addr uint32, dst []byte) error {
	if t.broken != nil {
		return t.broken
	}
	for _, s := range split(addr, len(dst)) {
		b := dst[s.off : s.off+s.n]
		if s.width == 1 {
			// At most 3 bytes: retried whole, like a register read.
			if err := retryWait(ctx, func() error { return t.Mem.ReadMemory8(ctx, s.addr, b) }); err != nil {
				return fmt.Errorf("access: read %d bytes at 0x%08X: %w", s.n, s.addr, err)
			}
			continue
		}
		if err := t.readWords(ctx, s.addr, b); err != nil {
			return fmt.Errorf("access: read %d bytes at 0x%08X: %w", s.n, s.addr, err)
		}
	}
	return nil
}

// Reads refused with WAIT past the probe's own retries (a WAIT storm, or a
// bus held by a flash operation) are tried again in pieces of readPiece
// bytes, each up to readRetries times. Reads of memory have no side
// effects, so repeating one is safe; a long read through a stormy link
// almost never gets through whole (a 1 KiB read is ~260 SWD packets).
const (
	readPiece    = 64
	readPieceMax = 4096
	readRetries  = 8
	// readGrowAfter: pieces in a row that must get through before the
	// piece size doubles again; under a steady storm it stays small.
	readGrowAfter = 16
)

// readWords reads the word-aligned bytes b at addr. After a read fails
// with WAIT, reads go in pieces of readPiece bytes, each tried up to
// readRetries times more, and the piece size doubles back with every
// readGrowAfter pieces that get through: on a stormy link the whole-range attempt would
// fail again and again (each after the probe's own back-off).
func (t *Target) readWords(ctx context.Context, addr uint32, b []byte) error {
	for off := 0; off < len(b); {
		n := len(b) - off
		if lim := int(t.readLimit.Load()); lim > 0 {
			n = min(n, lim)
		}
		p := b[off : off+n]
		err := t.readWordsOnce(ctx, addr+uint32(off), p)
		for try := 0; err != nil && isWait(err) && try < readRetries && ctx.Err() == nil; try++ {
			if n > readPiece {
				n = readPiece
				p = b[off : off+n]
			}
			t.readLimit.Store(readPiece)
			t.readOK.Store(0)
			err = t.readWordsOnce(ctx, addr+uint32(off), p)
		}
		if err != nil {
			return err
		}
		if lim := t.readLimit.Load(); lim > 0 && n >= int(lim) && t.readOK.Add(1) >= readGrowAfter {
			t.readOK.Store(0)
			if lim *= 2; lim > readPieceMax {
				lim = 0
			}
			t.readLimit.Store(lim)
		}
		off += n
	}
	return nil
}

func (t *Target) readWordsOnce(ctx context.Context, addr uint32, b []byte) error {
	w := make([]uint32, len(b)/4)
	if err := t.Mem.ReadMemory32(ctx, addr, w); err != nil {
		return err
	}
	for i, v := range w {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	return nil
}

// WriteBytes writes src at addr, any alignment. For RAM and registers;
// flash needs its controller (the family packages).
func (t *Target) WriteBytes(ctx context.Context, addr uint32, src []byte) error {
	if t.broken != nil {
		return t.broken
	}
	for _, s := range split(addr, len(src)) {
		b := src[s.off : s.off+s.n]
		if s.width == 1 {
			if err := t.Mem.WriteMemory8(ctx, s.addr, b); err != nil {
				return fmt.Errorf("access: write %d bytes at 0x%08X: %w", s.n, s.addr, err)
			}
			continue
		}
		if err := t.Mem.WriteMemory32(ctx, s.addr, Words(b)); err != nil {
			return fmt.Errorf("access: write %d bytes at 0x%08X: %w", s.n, s.addr, err)
		}
	}
	return nil
}

// Words packs little-endian bytes (a multiple of 4) into words.
func Words(b []byte) []uint32 {
	w := make([]uint32, len(b)/4)
	for i := range w {
		w[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return w
}

// Halfwords packs little-endian bytes (a multiple of 2) into halfwords.
func Halfwords(b []byte) []uint16 {
	h := make([]uint16, len(b)/2)
	for i := range h {
		h[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return h
}
