package firmware

import (
	"encoding/binary"
	"fmt"
	"strings"
)

func hex32(v uint32) string { return fmt.Sprintf("0x%08X", v) }

// EncodeUF2 writes img as UF2 blocks of at most payload bytes (1…476; 256 is
// what most bootloaders, RP2040's included, expect). Blocks are cut at
// multiples of payload in the address space, so a segment that starts aligned
// yields aligned blocks; a ragged start or end yields a short block rather
// than padding, which would change the image. Align the image first when the
// target needs whole pages. family 0 writes no family id.
func EncodeUF2(img *Image, family uint32, payload int) ([]byte, error) {
	if payload < 1 || payload > uf2MaxPayload {
		return nil, fmt.Errorf("firmware: UF2 payload %d bytes, want 1…%d", payload, uf2MaxPayload)
	}
	if len(img.Segments) == 0 {
		return nil, fmt.Errorf("firmware: UF2 of an empty image")
	}
	p := uint64(payload)
	var num uint64
	for _, s := range img.Segments {
		lo, hi := uint64(s.Address), uint64(s.End())
		num += (hi+p-1)/p - lo/p
	}
	if num > 0xFFFFFFFF/uf2BlockSize {
		return nil, fmt.Errorf("firmware: UF2 would need %d blocks", num)
	}
	var flags uint32
	if family != 0 {
		flags = uf2FlagFamilyIDPresnt
	}
	out := make([]byte, num*uf2BlockSize)
	le := binary.LittleEndian
	var n uint64
	for _, s := range img.Segments {
		for off := 0; off < len(s.Data); {
			addr := s.Address + uint32(off)
			size := min(payload-int(uint64(addr)%p), len(s.Data)-off)
			blk := out[n*uf2BlockSize : (n+1)*uf2BlockSize]
			le.PutUint32(blk[0:], uf2Magic0)
			le.PutUint32(blk[4:], uf2Magic1)
			le.PutUint32(blk[8:], flags)
			le.PutUint32(blk[12:], addr)
			le.PutUint32(blk[16:], uint32(size))
			le.PutUint32(blk[20:], uint32(n))
			le.PutUint32(blk[24:], uint32(num))
			le.PutUint32(blk[28:], family)
			copy(blk[32:], s.Data[off:off+size])
			le.PutUint32(blk[508:], uf2MagicEnd)
			off += size
			n++
		}
	}
	return out, nil
}

// EncodeHex writes img as Intel HEX with LF line ends: 16-byte data records
// that never cross a 64 KiB boundary, an extended linear address (04) record
// whenever the upper 16 address bits change, a start linear address (05)
// record when the image has an entry point, and the end-of-file record.
func EncodeHex(img *Image) []byte {
	var sb strings.Builder
	sb.Grow(int(img.Size)*45/16 + 64)
	upper := -1
	for _, s := range img.Segments {
		for off := 0; off < len(s.Data); {
			addr := s.Address + uint32(off)
			if int(addr>>16) != upper {
				upper = int(addr >> 16)
				writeRecord(&sb, hexExtLinear, 0, []byte{byte(upper >> 8), byte(upper)})
			}
			n := min(16, len(s.Data)-off, 0x10000-int(addr&0xFFFF))
			writeRecord(&sb, hexData, uint16(addr), s.Data[off:off+n])
			off += n
		}
	}
	if img.Entry != nil {
		var e [4]byte
		binary.BigEndian.PutUint32(e[:], *img.Entry)
		writeRecord(&sb, hexStartLinear, 0, e[:])
	}
	writeRecord(&sb, hexEOF, 0, nil)
	return []byte(sb.String())
}

func writeRecord(sb *strings.Builder, typ byte, offset uint16, data []byte) {
	var rec [hexMaxRecordBytes]byte
	rec[0] = byte(len(data))
	binary.BigEndian.PutUint16(rec[1:], offset)
	rec[3] = typ
	n := 4 + copy(rec[4:], data)
	var sum byte
	for _, c := range rec[:n] {
		sum += c
	}
	rec[n] = -sum
	const digits = "0123456789ABCDEF"
	sb.WriteByte(':')
	for _, c := range rec[:n+1] {
		sb.WriteByte(digits[c>>4])
		sb.WriteByte(digits[c&0xF])
	}
	sb.WriteByte('\n')
}
