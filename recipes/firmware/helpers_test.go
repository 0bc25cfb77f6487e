package firmware

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// uf2Blk assembles one UF2 block field by field from the specification,
// independently of EncodeUF2.
func uf2Blk(flags, addr uint32, payload []byte, blockNo, num, family uint32) []byte {
	b := make([]byte, 512)
	le := binary.LittleEndian
	le.PutUint32(b[0:], 0x0A324655)
	le.PutUint32(b[4:], 0x9E5D5157)
	le.PutUint32(b[8:], flags)
	le.PutUint32(b[12:], addr)
	le.PutUint32(b[16:], uint32(len(payload)))
	le.PutUint32(b[20:], blockNo)
	le.PutUint32(b[24:], num)
	le.PutUint32(b[28:], family)
	copy(b[32:], payload)
	le.PutUint32(b[508:], 0x0AB16F30)
	return b
}

func join(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// canonical computes the documented canonical hash by hand.
func canonical(segs ...Segment) [32]byte {
	h := sha256.New()
	for _, s := range segs {
		var hdr [8]byte
		binary.BigEndian.PutUint32(hdr[:], s.Address)
		binary.BigEndian.PutUint32(hdr[4:], uint32(len(s.Data)))
		h.Write(hdr[:])
		h.Write(s.Data)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

func u32(v uint32) *uint32 { return &v }

// checkErr fails unless err is a *Error whose text contains want.
func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %T %q is not a *firmware.Error", err, err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q\nwant it to contain %q", err, want)
	}
}

// checkInvariants verifies what every loaded image promises.
func checkInvariants(t testing.TB, img *Image) {
	t.Helper()
	var size int64
	for i, s := range img.Segments {
		if len(s.Data) == 0 {
			t.Fatalf("segment %d is empty", i)
		}
		if uint64(s.Address)+uint64(len(s.Data)) > 0xFFFFFFFF {
			t.Fatalf("segment %d wraps", i)
		}
		if i > 0 && s.Address <= img.Segments[i-1].End() {
			t.Fatalf("segment %d at 0x%X touches or overlaps segment %d ending 0x%X", i, s.Address, i-1, img.Segments[i-1].End())
		}
		size += int64(len(s.Data))
	}
	if size != img.Size {
		t.Fatalf("Size %d, segments hold %d", img.Size, size)
	}
	if img.SHA256 != canonical(img.Segments...) {
		t.Fatal("SHA256 is not the canonical hash of the segments")
	}
}
