package firmware

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"testing"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		data string
		want Format
	}{
		{"x.bin", "\x7fELF\x01", FormatELF},
		{"x.hex", "\x7fELF", FormatELF},
		{"x", string(uf2Blk(0, 0, nil, 0, 1, 0)), FormatUF2},
		{"x.bin", ":00000001FF\r\n", FormatHex},
		{"x", ":10000000", FormatBin}, // too short for a record
		{"x.HEX", "garbage", FormatHex},
		{"x.ihx", "", FormatHex},
		{"x.axf", "", FormatELF},
		{"x.uf2", "UF2", FormatUF2},
		{"x.img", "\x00\x10\x00\x20", FormatBin},
		{"x.hex.bak", ":0", FormatBin},
	}
	for _, tc := range tests {
		if got := Detect(tc.name, []byte(tc.data)); got != tc.want {
			t.Errorf("Detect(%q, %q) = %q, want %q", tc.name, tc.data, got, tc.want)
		}
	}
}

func TestParseOptions(t *testing.T) {
	hexData := []byte(rec(0, 0, 1) + eof)
	tests := []struct {
		name string
		file string
		data []byte
		opts Options
		want string
	}{
		{"bin without base", "fw.bin", []byte{1}, Options{}, "fw.bin: raw binary needs a base address"},
		{"unknown without base", "fw.img", []byte{1}, Options{}, "fw.img: raw binary needs a base address"},
		{"empty bin", "fw.bin", nil, Options{Base: u32(0)}, "fw.bin: empty file"},
		{"bin past 4 GiB", "fw.bin", []byte{1, 2}, Options{Base: u32(0xFFFFFFFE)}, "fw.bin: 2 bytes at base 0xFFFFFFFE run past the end"},
		{"base on hex", "fw.hex", hexData, Options{Base: u32(0)}, "fw.hex: a base address applies only to raw binaries; this file is hex"},
		{"family on hex", "fw.hex", hexData, Options{Family: u32(1)}, "fw.hex: a UF2 family applies only to UF2 files"},
		{"forced format", "fw.hex", hexData, Options{Format: FormatELF}, "fw.hex: offset 0: truncated ELF header"},
		{"bogus format", "fw.hex", hexData, Options{Format: "srec"}, `fw.hex: unknown format "srec"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.file, tc.data, tc.opts)
			checkErr(t, err, tc.want)
		})
	}
	img, err := Parse("fw.img", []byte{1, 2}, Options{Base: u32(0x100)})
	if err != nil || img.Format != FormatBin || fmt.Sprint(img.Segments) != "[{256 [1 2]}]" {
		t.Fatalf("bin: %v %v", img, err)
	}
	in := []byte{9}
	img, _ = Parse("fw.bin", in, Options{Base: u32(0)})
	in[0] = 8
	if img.Segments[0].Data[0] != 9 {
		t.Fatal("Parse kept a reference to the caller's bytes")
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/nope.hex", Options{})
	checkErr(t, err, "firmware: testdata/nope.hex: cannot read")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%v does not wrap fs.ErrNotExist", err)
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"bin": FormatBin, "hex": FormatHex, "elf": FormatELF, "uf2": FormatUF2, "auto": FormatAuto, "": FormatAuto} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("ihex"); err == nil {
		t.Error(`ParseFormat("ihex") accepted`)
	}
}

// TestOverlapAcrossChunks: a chunk overlapping two earlier ones is checked
// against both.
func TestOverlapAcrossChunks(t *testing.T) {
	good := rec(0, 0, 1, 2) + rec(0, 4, 5, 6) + rec(0, 2, 3, 4) + rec(0, 1, 2, 3, 4, 5) + eof
	img, err := Parse("t.hex", []byte(good), Options{})
	if err != nil || fmt.Sprint(img.Segments) != "[{0 [1 2 3 4 5 6]}]" {
		t.Fatalf("%v %v", img, err)
	}
	bad := rec(0, 0, 1, 2) + rec(0, 2, 3, 4) + rec(0, 1, 2, 3, 9) + eof
	_, err = Parse("t.hex", []byte(bad), Options{})
	checkErr(t, err, "t.hex:3: data at 0x00000003 (0x09) overlaps different data already there (0x04)")
}

func TestImageHelpers(t *testing.T) {
	img := newImage(FormatBin, []Segment{{0x10, []byte{1, 2}}, {0x105, []byte{3}}}, nil, nil)
	if lo, hi := img.Bounds(); lo != 0x10 || hi != 0x106 {
		t.Errorf("Bounds = 0x%X, 0x%X", lo, hi)
	}
	if lo, hi := (&Image{}).Bounds(); lo != 0 || hi != 0 {
		t.Errorf("empty Bounds = %d, %d", lo, hi)
	}
	fillTests := []struct {
		lo, hi uint32
		want   []byte
	}{
		{0x0E, 0x13, []byte{0xFF, 0xFF, 1, 2, 0xFF}},
		{0x11, 0x12, []byte{2}},
		{0x104, 0x106, []byte{0xFF, 3}},
		{0x20, 0x20, nil},
		{0x21, 0x20, nil},
	}
	for _, tc := range fillTests {
		if got := img.Fill(tc.lo, tc.hi, 0xFF); !bytes.Equal(got, tc.want) {
			t.Errorf("Fill(0x%X, 0x%X) = % X, want % X", tc.lo, tc.hi, got, tc.want)
		}
	}
	if got := img.Fill(0x0F, 0x11, 0); !bytes.Equal(got, []byte{0, 1}) {
		t.Errorf("Fill with pad 0 = % X", got)
	}

	al, err := img.Align(0x100, 0xFF)
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, al)
	if len(al.Segments) != 1 || al.Segments[0].Address != 0 || len(al.Segments[0].Data) != 0x200 ||
		!bytes.Equal(al.Fill(0x0F, 0x12, 0), []byte{0xFF, 1, 2}) || al.Segments[0].Data[0x105] != 3 {
		t.Errorf("Align(0x100) = %v", al.Segments)
	}
	al4, _ := img.Align(4, 0)
	if fmt.Sprint(al4.Segments) != "[{16 [1 2 0 0]} {260 [0 3 0 0]}]" {
		t.Errorf("Align(4) = %v", al4.Segments)
	}
	if _, err := img.Align(0, 0); err == nil {
		t.Error("Align(0) accepted")
	}
	top := newImage(FormatBin, []Segment{{0xFFFFFFF0, []byte{1}}}, nil, nil)
	if _, err := top.Align(0x100, 0); err == nil {
		t.Error("Align past 4 GiB accepted")
	}

	if err := img.Within(0x10, 0x106); err != nil {
		t.Error(err)
	}
	for _, r := range [][2]uint32{{0x11, 0x200}, {0, 0x105}} {
		if err := img.Within(r[0], r[1]); err == nil {
			t.Errorf("Within(0x%X, 0x%X) accepted", r[0], r[1])
		}
	}
}

// TestCanonicalHash pins the documented encoding to a known value, so a change
// to it cannot pass unnoticed: sha256 of 00000010 00000002 0102 (computed
// with sha256sum).
func TestCanonicalHash(t *testing.T) {
	img := newImage(FormatBin, []Segment{{0x10, []byte{1, 2}}}, nil, nil)
	const want = "6a041efc3f2d6bd51b1423614d30e0e91107205bd41a4825b83d93666423385e"
	if got := fmt.Sprintf("%x", img.SHA256); got != want {
		t.Errorf("sha256 %s, want %s", got, want)
	}
}
