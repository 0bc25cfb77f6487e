package firmware

import (
	"encoding/binary"
)

// UF2 block layout (github.com/microsoft/uf2 uf2.h); all fields little-endian.
const (
	uf2BlockSize  = 512
	uf2MaxPayload = 476
	uf2Magic0     = 0x0A324655 // "UF2\n", at +0
	uf2Magic1     = 0x9E5D5157 // at +4
	uf2MagicEnd   = 0x0AB16F30 // at +508

	uf2FlagNotMainFlash   = 0x00000001
	uf2FlagFileContainer  = 0x00001000
	uf2FlagFamilyIDPresnt = 0x00002000
)

// uf2Header is the 32-byte header of one block.
type uf2Header struct {
	flags, addr, size, blockNo, numBlocks, family uint32
}

func (h uf2Header) hasFamily() bool { return h.flags&uf2FlagFamilyIDPresnt != 0 }

// readUF2Block checks block i's magics, flags and payload size.
func readUF2Block(file string, data []byte, i int) (uf2Header, error) {
	blk := data[i*uf2BlockSize : (i+1)*uf2BlockSize]
	le := binary.LittleEndian
	for _, m := range []struct {
		at   int
		want uint32
	}{{0, uf2Magic0}, {4, uf2Magic1}, {508, uf2MagicEnd}} {
		if got := le.Uint32(blk[m.at:]); got != m.want {
			return uf2Header{}, blockErr(file, i, "bad magic at +%d: 0x%08X, want 0x%08X", m.at, got, m.want)
		}
	}
	h := uf2Header{flags: le.Uint32(blk[8:]), addr: le.Uint32(blk[12:]), size: le.Uint32(blk[16:]),
		blockNo: le.Uint32(blk[20:]), numBlocks: le.Uint32(blk[24:]), family: le.Uint32(blk[28:])}
	if h.flags&uf2FlagFileContainer != 0 {
		return h, blockErr(file, i, "file-container block (flags 0x%08X): not a flash image", h.flags)
	}
	if h.size > uf2MaxPayload {
		return h, blockErr(file, i, "payload size %d exceeds %d", h.size, uf2MaxPayload)
	}
	return h, nil
}

// uf2Numbering checks block numbers. A file is one or more runs of blocks,
// each numbered 0…num_blocks-1 with one num_blocks throughout (several runs
// are how UF2 files for several families are concatenated). Every number in a
// run must appear exactly once before the next run starts. A run may not claim
// more blocks than the file has left, so a block missing anywhere shows up as
// that, as a duplicate, or as a number out of range.
type uf2Numbering struct {
	start, count int
	num          uint32
	seen         []bool // reused between runs; never longer than the file's block count
}

func (n *uf2Numbering) next(file string, i, total int, h uf2Header) error {
	if n.count == 0 {
		if h.numBlocks == 0 || int64(h.numBlocks) > int64(total-i) {
			return blockErr(file, i, "num_blocks %d, but only %d blocks remain in the file: blocks missing", h.numBlocks, total-i)
		}
		n.start, n.num = i, h.numBlocks
		n.seen = append(n.seen[:0], make([]bool, h.numBlocks)...)
	}
	switch {
	case h.numBlocks != n.num:
		return blockErr(file, i, "num_blocks %d, but block %d said %d", h.numBlocks, n.start, n.num)
	case h.blockNo >= n.num:
		return blockErr(file, i, "block number %d out of range (num_blocks %d)", h.blockNo, n.num)
	case n.seen[h.blockNo]:
		return blockErr(file, i, "duplicate block number %d", h.blockNo)
	}
	n.seen[h.blockNo] = true
	n.count++
	if n.count == int(n.num) {
		n.count = 0
	}
	return nil
}

// parseUF2 reads a UF2 file. Blocks flagged not-main-flash are skipped;
// with want set, only blocks of that family are kept, and without it all
// kept blocks must share one family (or all have none).
func parseUF2(file string, data []byte, want *uint32) (*Image, error) {
	if len(data) == 0 {
		return nil, fileErr(file, "empty file")
	}
	// A file that is not UF2 at all is told so before any talk of truncation.
	le := binary.LittleEndian
	if len(data) >= 8 && (le.Uint32(data) != uf2Magic0 || le.Uint32(data[4:]) != uf2Magic1) {
		if len(data) < uf2BlockSize {
			return nil, blockErr(file, 0, "bad magic: not a UF2 file")
		}
		_, err := readUF2Block(file, data, 0)
		return nil, err
	}
	if r := len(data) % uf2BlockSize; r != 0 {
		return nil, offsetErr(file, int64(len(data)-r), "truncated block (%d of %d bytes)", r, uf2BlockSize)
	}
	total := len(data) / uf2BlockSize
	keep := func(h uf2Header) bool {
		return h.flags&uf2FlagNotMainFlash == 0 && (want == nil || h.hasFamily() && h.family == *want)
	}
	// Pass 1: validate every block and size the buffer for the kept payload.
	var (
		num        uf2Numbering
		payload    int
		first      = -1
		firstFam   uf2Header
		familyNote = func(h uf2Header) string {
			if !h.hasFamily() {
				return "none"
			}
			return hex32(h.family)
		}
	)
	for i := 0; i < total; i++ {
		h, err := readUF2Block(file, data, i)
		if err != nil {
			return nil, err
		}
		if err := num.next(file, i, total, h); err != nil {
			return nil, err
		}
		if !keep(h) {
			continue
		}
		if first < 0 {
			first, firstFam = i, h
		} else if h.hasFamily() != firstFam.hasFamily() || h.family != firstFam.family && h.hasFamily() {
			return nil, blockErr(file, i, "family %s, but block %d has family %s: choose one family",
				familyNote(h), first, familyNote(firstFam))
		}
		payload += int(h.size)
	}
	if first < 0 {
		if want != nil {
			return nil, fileErr(file, "no main-flash blocks for family %s", hex32(*want))
		}
		return nil, fileErr(file, "no main-flash blocks")
	}
	// Pass 2: copy the payloads.
	b := newBuilder(payload, func(loc int, format string, args ...any) *Error {
		return blockErr(file, loc, format, args...)
	})
	for i := 0; i < total; i++ {
		h, _ := readUF2Block(file, data, i) // validated in pass 1
		if !keep(h) {
			continue
		}
		at := i*uf2BlockSize + 32
		if err := b.add(h.addr, data[at:at+int(h.size)], i); err != nil {
			return nil, err
		}
	}
	segs, err := b.segments()
	if err != nil {
		return nil, err
	}
	if len(segs) == 0 {
		return nil, fileErr(file, "no data: every main-flash block has an empty payload")
	}
	var fam *uint32
	if firstFam.hasFamily() {
		f := firstFam.family
		fam = &f
	}
	return newImage(FormatUF2, segs, nil, fam), nil
}
