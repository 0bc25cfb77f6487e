package firmware

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

const rp2040 = 0xE48BFF56

// TestUF2HandBuilt checks the decoder against blocks assembled from the
// specification, not by EncodeUF2.
func TestUF2HandBuilt(t *testing.T) {
	p := func(n int, v byte) []byte { return bytes.Repeat([]byte{v}, n) }
	tests := []struct {
		name   string
		in     []byte
		opts   Options
		segs   string
		family *uint32
	}{
		{"RP2040 pages", join(
			uf2Blk(0x2000, 0x10000000, p(256, 1), 0, 2, rp2040),
			uf2Blk(0x2000, 0x10000100, p(256, 2), 1, 2, rp2040)),
			Options{}, "[{268435456 512}]", u32(rp2040)},
		{"blocks out of order", join(
			uf2Blk(0, 0x100, p(4, 2), 1, 2, 0),
			uf2Blk(0, 0xFC, p(4, 1), 0, 2, 0)),
			Options{}, "[{252 8}]", nil},
		{"not-main-flash skipped", join(
			uf2Blk(0, 0, p(476, 1), 0, 2, 0),
			uf2Blk(1, 0x1000, p(8, 9), 1, 2, 0)),
			Options{}, "[{0 476}]", nil},
		{"two families, one chosen", join(
			uf2Blk(0x2000, 0x10000000, p(16, 1), 0, 1, rp2040),
			uf2Blk(0x2000, 0x10000000, p(16, 2), 0, 1, 0xE48BFF59)),
			Options{Family: u32(0xE48BFF59)}, "[{268435456 16}]", u32(0xE48BFF59)},
		{"zero payload block", join(
			uf2Blk(0, 0x40, nil, 0, 2, 0),
			uf2Blk(0, 0x80, p(1, 1), 1, 2, 0)),
			Options{}, "[{128 1}]", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := Parse("t.uf2", tc.in, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, img)
			var got []any
			for _, s := range img.Segments {
				got = append(got, struct{ a, n int }{int(s.Address), len(s.Data)})
			}
			if fmt.Sprint(got) != tc.segs || !eqPtr(img.Family, tc.family) {
				t.Fatalf("segments %v family %v, want %s family %v", got, deref(img.Family), tc.segs, deref(tc.family))
			}
		})
	}
}

func TestParseUF2Bad(t *testing.T) {
	ok := uf2Blk(0, 0, []byte{1}, 0, 1, 0)
	bad := func(at int, v uint32) []byte {
		b := append([]byte(nil), ok...)
		binary.LittleEndian.PutUint32(b[at:], v)
		return b
	}
	tests := []struct {
		name string
		in   []byte
		opts Options
		want string
	}{
		{"empty", nil, Options{Format: FormatUF2}, "t.uf2: empty file"},
		{"truncated", append(ok, 1, 2, 3), Options{}, "t.uf2: offset 512: truncated block (3 of 512 bytes)"},
		{"bad magic0", join(ok, bad(0, 1)), Options{Format: FormatUF2},
			"firmware: t.uf2: block 1 (offset 512): bad magic at +0: 0x00000001, want 0x0A324655"},
		{"bad magic1", bad(4, 1), Options{Format: FormatUF2}, "block 0 (offset 0): bad magic at +4"},
		{"bad end magic", bad(508, 1), Options{}, "block 0 (offset 0): bad magic at +508: 0x00000001, want 0x0AB16F30"},
		{"payload too big", bad(16, 477), Options{}, "block 0 (offset 0): payload size 477 exceeds 476"},
		{"file container", bad(8, 0x1000), Options{}, "file-container block"},
		{"num_blocks huge", bad(24, 0xFFFFFFFF), Options{}, "block 0 (offset 0): num_blocks 4294967295, but only 1 blocks remain in the file"},
		{"num_blocks zero", bad(24, 0), Options{}, "num_blocks 0"},
		{"out of range", join(uf2Blk(0, 0, nil, 0, 2, 0), uf2Blk(0, 0, nil, 5, 2, 0)), Options{},
			"block 1 (offset 512): block number 5 out of range (num_blocks 2)"},
		{"duplicate", join(uf2Blk(0, 0, nil, 0, 2, 0), uf2Blk(0, 0, nil, 0, 2, 0)), Options{},
			"block 1 (offset 512): duplicate block number 0"},
		{"num_blocks changes", join(uf2Blk(0, 0, []byte{1}, 0, 3, 0), uf2Blk(0, 1, nil, 2, 3, 0), ok), Options{},
			"block 2 (offset 1024): num_blocks 1, but block 0 said 3"},
		{"number skipped", join(uf2Blk(0, 0, []byte{1}, 0, 3, 0), uf2Blk(0, 1, nil, 2, 3, 0), uf2Blk(0, 2, nil, 2, 3, 0)), Options{},
			"block 2 (offset 1024): duplicate block number 2"},
		{"missing at end", join(ok, uf2Blk(0, 0, nil, 0, 2, 0)), Options{},
			"block 1 (offset 512): num_blocks 2, but only 1 blocks remain"},
		{"mixed families", join(
			uf2Blk(0x2000, 0, []byte{1}, 0, 2, rp2040), uf2Blk(0x2000, 0, []byte{1}, 1, 2, 1)), Options{},
			"block 1 (offset 512): family 0x00000001, but block 0 has family 0xE48BFF56: choose one family"},
		{"family and none", join(
			uf2Blk(0, 0, []byte{1}, 0, 2, 0), uf2Blk(0x2000, 1, []byte{1}, 1, 2, rp2040)), Options{},
			"family 0xE48BFF56, but block 0 has family none"},
		{"family absent", ok, Options{Family: u32(rp2040)}, "t.uf2: no main-flash blocks for family 0xE48BFF56"},
		{"all not-main-flash", bad(8, 1), Options{}, "t.uf2: no main-flash blocks"},
		{"only empty payloads", bad(16, 0), Options{}, "t.uf2: no data"},
		{"overlap differs", join(uf2Blk(0, 8, []byte{1}, 0, 2, 0), uf2Blk(0, 8, []byte{2}, 1, 2, 0)), Options{},
			"block 1 (offset 512): data at 0x00000008 (0x02) overlaps different data already there (0x01)"},
		{"wraps", bad(12, 0xFFFFFFFF), Options{}, "block 0 (offset 0): data at 0xFFFFFFFF (1 bytes) runs past the end"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.uf2", tc.in, tc.opts)
			checkErr(t, err, tc.want)
		})
	}
}

func TestEncodeUF2RoundTrip(t *testing.T) {
	data := make([]byte, 1000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	img := newImage(FormatBin, []Segment{{0x10000080, data}, {0x10001000, data[:3]}}, nil, nil)
	for _, payload := range []int{1, 4, 256, 476} {
		out, err := EncodeUF2(img, rp2040, payload)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse("rt.uf2", out, Options{})
		if err != nil {
			t.Fatalf("payload %d: %v", payload, err)
		}
		if back.SHA256 != img.SHA256 || !eqPtr(back.Family, u32(rp2040)) {
			t.Fatalf("payload %d: round trip changed the image", payload)
		}
		for i := 0; i < len(out); i += 512 {
			h, _ := readUF2Block("rt.uf2", out, i/512)
			if int(h.size) > payload || (h.addr%uint32(payload))+h.size > uint32(payload) {
				t.Fatalf("payload %d: block %d at 0x%X size %d crosses a payload boundary", payload, i/512, h.addr, h.size)
			}
		}
	}
	for _, p := range []int{0, 477} {
		if _, err := EncodeUF2(img, 0, p); err == nil {
			t.Errorf("payload %d accepted", p)
		}
	}
	if _, err := EncodeUF2(&Image{}, 0, 256); err == nil {
		t.Error("empty image accepted")
	}
}

func TestUF2NotUF2(t *testing.T) {
	_, err := Parse("t.uf2", make([]byte, 700), Options{Format: FormatUF2})
	checkErr(t, err, "t.uf2: block 0 (offset 0): bad magic at +0: 0x00000000, want 0x0A324655")
	_, err = Parse("t.uf2", []byte("UF2?....short"), Options{Format: FormatUF2})
	checkErr(t, err, "t.uf2: block 0 (offset 0): bad magic: not a UF2 file")
	_, err = Parse("t.uf2", uf2Blk(0, 0, nil, 0, 1, 0)[:100], Options{Format: FormatUF2})
	checkErr(t, err, "t.uf2: offset 0: truncated block (100 of 512 bytes)")
}
