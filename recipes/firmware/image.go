package firmware

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Format names a firmware file format. Its values are the names used on the
// command line and in JSON.
type Format string

const (
	FormatAuto Format = ""    // detect from the content, then the file name
	FormatBin  Format = "bin" // raw bytes at a caller-supplied base address
	FormatHex  Format = "hex" // Intel HEX
	FormatELF  Format = "elf" // ELF32 little-endian ARM executable
	FormatUF2  Format = "uf2" // USB Flashing Format
)

// ParseFormat accepts "bin", "hex", "elf", "uf2", or "" / "auto" for detection.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatBin, FormatHex, FormatELF, FormatUF2:
		return f, nil
	case FormatAuto, "auto":
		return FormatAuto, nil
	}
	return "", fmt.Errorf("firmware: unknown format %q (want bin, hex, elf or uf2)", s)
}

// Options steer loading. The zero value detects the format and has no base.
type Options struct {
	// Base is where a raw binary starts in the target's address space. It is
	// required for raw binaries and refused for every other format, whose
	// files carry their own addresses.
	Base *uint32
	// Format forces a format instead of detecting it.
	Format Format
	// Family selects the blocks of one UF2 family in a file that holds
	// several (such files are concatenations, one per family). Without it a
	// UF2 with more than one family is refused.
	Family *uint32
}

// Segment is a run of bytes at consecutive addresses.
type Segment struct {
	Address uint32
	Data    []byte
}

// End is the address one past the segment's last byte. Loading guarantees it
// does not wrap: no image holds a byte at 0xFFFFFFFF.
func (s Segment) End() uint32 { return s.Address + uint32(len(s.Data)) }

// Image is a loaded firmware image in normalized form.
//
// Segments are sorted by address, never overlap and never touch: two segments
// always have a gap between them. SHA256 is computed over this canonical
// encoding, the same for every file format:
//
//	for each segment in address order:
//	    address  uint32 big-endian
//	    length   uint32 big-endian
//	    data     length bytes
//
// so the same bytes at the same addresses give the same SHA256 whether they
// came from a .bin, .hex, .elf or .uf2.
type Image struct {
	Format   Format
	Segments []Segment
	Entry    *uint32 // entry point, when the format records one (HEX 03/05, ELF e_entry ≠ 0)
	Family   *uint32 // UF2 family id, when the blocks carry one
	Size     int64   // total bytes in Segments
	SHA256   [32]byte
}

// newImage fills in Size and SHA256 for segments already in normalized form.
func newImage(f Format, segs []Segment, entry, family *uint32) *Image {
	img := &Image{Format: f, Segments: segs, Entry: entry, Family: family}
	h := sha256.New()
	var hdr [8]byte
	for _, s := range segs {
		binary.BigEndian.PutUint32(hdr[0:], s.Address)
		binary.BigEndian.PutUint32(hdr[4:], uint32(len(s.Data)))
		h.Write(hdr[:])
		h.Write(s.Data)
		img.Size += int64(len(s.Data))
	}
	h.Sum(img.SHA256[:0])
	return img
}

// Bounds returns the lowest address holding data and the address one past the
// highest; hi-lo is the span a flat copy of the image needs. Both are 0 for an
// image without segments.
func (img *Image) Bounds() (lo, hi uint32) {
	if len(img.Segments) == 0 {
		return 0, 0
	}
	return img.Segments[0].Address, img.Segments[len(img.Segments)-1].End()
}

// Fill returns the bytes from lo up to (not including) hi as a flat buffer:
// image bytes where the image has them, pad elsewhere (0xFF is erased flash on
// most parts). It returns nil when hi <= lo. The caller chooses the range, so
// the caller bounds the allocation.
func (img *Image) Fill(lo, hi uint32, pad byte) []byte {
	if hi <= lo {
		return nil
	}
	out := make([]byte, hi-lo)
	if pad != 0 {
		for i := range out {
			out[i] = pad
		}
	}
	for _, s := range img.Segments {
		if s.End() <= lo || s.Address >= hi {
			continue
		}
		from, to := max(s.Address, lo), min(s.End(), hi)
		copy(out[from-lo:to-lo], s.Data[from-s.Address:to-s.Address])
	}
	return out
}

// Align returns a new image whose segments start and end on multiples of
// block, the gaps filled with pad; segments that then touch are merged. Flash
// is written in pages and RP2040's UF2 bootloader wants whole 256-byte pages,
// so callers align before programming or encoding. The padding is content:
// the aligned image has its own SHA256.
func (img *Image) Align(block uint32, pad byte) (*Image, error) {
	if block == 0 {
		return nil, fmt.Errorf("firmware: align to 0 bytes")
	}
	var segs []Segment
	for _, s := range img.Segments {
		lo := s.Address - s.Address%block
		hi := uint64(s.End()) + uint64(block-1)
		hi -= hi % uint64(block)
		if hi > 0xFFFFFFFF {
			return nil, fmt.Errorf("firmware: aligning segment at 0x%08X to %d bytes passes the end of the address space", s.Address, block)
		}
		if n := len(segs); n > 0 && segs[n-1].End() >= lo {
			// Touches or overlaps (only in padding) the previous aligned segment.
			prev := &segs[n-1]
			prev.Data = append(prev.Data, img.Fill(prev.End(), uint32(hi), pad)...)
			continue
		}
		segs = append(segs, Segment{Address: lo, Data: img.Fill(lo, uint32(hi), pad)})
	}
	return newImage(img.Format, segs, img.Entry, img.Family), nil
}

// Within reports an error naming the first segment that is not entirely inside
// [lo, hi), e.g. firmware that does not fit the target's flash.
func (img *Image) Within(lo, hi uint32) error {
	for _, s := range img.Segments {
		if s.Address < lo || s.End() > hi {
			return fmt.Errorf("firmware: segment 0x%08X–0x%08X (%d bytes) is outside 0x%08X–0x%08X",
				s.Address, s.End(), len(s.Data), lo, hi)
		}
	}
	return nil
}
