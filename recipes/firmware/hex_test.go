package firmware

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// rec writes one Intel HEX record with a correct checksum.
func rec(typ byte, off uint16, data ...byte) string {
	b := append([]byte{byte(len(data)), byte(off >> 8), byte(off), typ}, data...)
	var sum byte
	for _, c := range b {
		sum += c
	}
	return fmt.Sprintf(":%X\n", append(b, -sum))
}

const eof = ":00000001FF\n"

func TestParseHexGood(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		segs  []Segment
		entry *uint32
	}{
		{"one record", rec(0, 0x100, 1, 2, 3) + eof, []Segment{{0x100, []byte{1, 2, 3}}}, nil},
		{"CRLF and blank lines", strings.ReplaceAll(rec(0, 0, 9)+"\n"+eof+"\n\n", "\n", "\r\n"),
			[]Segment{{0, []byte{9}}}, nil},
		{"no newline at end", rec(0, 0, 9) + strings.TrimSuffix(eof, "\n"), []Segment{{0, []byte{9}}}, nil},
		{"lower-case digits", strings.ToLower(rec(0, 0xAB, 0xCD)) + eof, []Segment{{0xAB, []byte{0xCD}}}, nil},
		{"adjacent records merge", rec(0, 0, 1, 2) + rec(0, 2, 3) + eof, []Segment{{0, []byte{1, 2, 3}}}, nil},
		{"out of order records merge", rec(0, 2, 3) + rec(0, 0, 1, 2) + eof, []Segment{{0, []byte{1, 2, 3}}}, nil},
		{"identical overlap allowed", rec(0, 0, 1, 2, 3) + rec(0, 1, 2, 3, 4) + eof, []Segment{{0, []byte{1, 2, 3, 4}}}, nil},
		{"overlap inside", rec(0, 0, 1, 2, 3, 4) + rec(0, 1, 2, 3) + eof, []Segment{{0, []byte{1, 2, 3, 4}}}, nil},
		{"gap makes two segments", rec(0, 0, 1) + rec(0, 2, 3) + eof, []Segment{{0, []byte{1}}, {2, []byte{3}}}, nil},
		{"extended linear", rec(4, 0, 0x08, 0x00) + rec(0, 0x10, 7) + eof, []Segment{{0x08000010, []byte{7}}}, nil},
		{"extended segment", rec(2, 0, 0x12, 0x34) + rec(0, 0x10, 7) + eof, []Segment{{0x12350, []byte{7}}}, nil},
		{"record across 64 KiB is contiguous", rec(0, 0xFFFF, 1, 2) + eof, []Segment{{0xFFFF, []byte{1, 2}}}, nil},
		{"start linear", rec(0, 0, 1) + rec(5, 0, 0x08, 0, 1, 0x01) + eof, []Segment{{0, []byte{1}}}, u32(0x08000101)},
		{"start segment", rec(0, 0, 1) + rec(3, 0, 0x12, 0x34, 0x00, 0x05) + eof, []Segment{{0, []byte{1}}}, u32(0x12345)},
		{"DOS Ctrl-Z after EOF", rec(0, 0, 9) + strings.ReplaceAll(eof, "\n", "\r\n") + "\x1a", []Segment{{0, []byte{9}}}, nil},
		{"Ctrl-Z on the EOF line", rec(0, 0, 9) + ":00000001FF\x1a\x1a", []Segment{{0, []byte{9}}}, nil},
		{"CP/M padding and whitespace after EOF", rec(0, 0, 9) + eof + strings.Repeat("\x1a", 100) + "\r\n \t\v\f\n\x1a \x1a\n",
			[]Segment{{0, []byte{9}}}, nil},
		{"same start twice", rec(0, 0, 1) + rec(5, 0, 0, 0, 0, 8) + rec(5, 0, 0, 0, 0, 8) + eof, []Segment{{0, []byte{1}}}, u32(8)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := Parse("t.hex", []byte(tc.in), Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, img)
			if img.Format != FormatHex {
				t.Errorf("format %q", img.Format)
			}
			if fmt.Sprint(img.Segments) != fmt.Sprint(tc.segs) {
				t.Errorf("segments %v, want %v", img.Segments, tc.segs)
			}
			if !eqPtr(img.Entry, tc.entry) {
				t.Errorf("entry %v, want %v", deref(img.Entry), deref(tc.entry))
			}
		})
	}
}

func TestParseHexBad(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"bad checksum", rec(0, 0, 1) + ":0100000002FC\n" + eof, "firmware: t.hex:2: checksum 0xFC, want 0xFD"},
		{"no EOF", rec(0, 0, 1), "t.hex:2: missing end-of-file record"},
		{"empty", "", "t.hex:1: missing end-of-file record"},
		{"only EOF", eof, "t.hex: no data records"},
		{"record after EOF", eof + rec(0, 0, 1), "t.hex:2: record after the end-of-file record on line 1"},
		{"text after Ctrl-Z", rec(0, 0, 1) + eof + "\x1aX\n", "t.hex:3: unexpected 'X' after the end-of-file record on line 2"},
		{"record after Ctrl-Z", rec(0, 0, 1) + eof + "\x1a \x1a" + rec(0, 0, 2), "t.hex:3: record after the end-of-file record on line 2"},
		{"text after EOF on its line", rec(0, 0, 1) + ":00000001FF\x1a;\n", "t.hex:2: bad hex digit"},
		{"Ctrl-Z before EOF", rec(0, 0, 1) + "\x1a\n" + eof, "t.hex:2: record does not start with ':'"},
		{"Ctrl-Z after a data record", ":0100000001FE\x1a\x1a\n" + eof, "t.hex:1: bad hex digit"},
		{"unknown type", rec(6, 0) + eof, "t.hex:1: unknown record type 0x06"},
		{"no colon", "0100000001FE\n" + eof, "t.hex:1: record does not start with ':'"},
		{"leading space", " " + rec(0, 0, 1) + eof, "t.hex:1: record does not start with ':'"},
		{"odd digits", ":0100000001F\n" + eof, "t.hex:1: odd number of hex digits (11)"},
		{"too short", ":00000001\n" + eof, "t.hex:1: record too short (4 bytes"},
		{"bad digit", ":01000000G1FE\n" + eof, `t.hex:1: bad hex digit 'G' in column 10`},
		{"bad low digit", ":010000000xFE\n" + eof, `t.hex:1: bad hex digit 'x' in column 11`},
		{"count mismatch", ":0200000001FD\n" + eof, "t.hex:1: byte count 0x02 does not match the record's 1 data bytes"},
		{"EOF with data", rec(1, 0, 1) + eof, "t.hex:1: record type 0x01 has 1 data bytes, want 0"},
		{"04 wrong length", rec(4, 0, 1) + eof, "t.hex:1: record type 0x04 has 1 data bytes, want 2"},
		{"05 wrong length", rec(5, 0, 1, 2) + eof, "t.hex:1: record type 0x05 has 2 data bytes, want 4"},
		{"different starts", rec(0, 0, 1) + rec(5, 0, 0, 0, 0, 8) + rec(5, 0, 0, 0, 0, 9) + eof,
			"t.hex:3: second start address 0x00000009 differs from the first, 0x00000008"},
		{"overlap differs", rec(0, 0x10, 1, 2, 3) + rec(0, 0x11, 2, 9) + eof,
			"t.hex:2: data at 0x00000012 (0x09) overlaps different data already there (0x03)"},
		{"top of address space", rec(4, 0, 0xFF, 0xFF) + rec(0, 0xFFFF, 1) + eof,
			"t.hex:2: data at 0xFFFFFFFF (1 bytes) runs past the end of the 32-bit address space"},
		{"too long", ":" + strings.Repeat("00", 262) + "\n" + eof, "t.hex:1: record too long (262 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.hex", []byte(tc.in), Options{Format: FormatHex})
			checkErr(t, err, tc.want)
		})
	}
}

func TestEncodeHexRoundTrip(t *testing.T) {
	data := bytes.Repeat([]byte{0xA5, 0x5A, 0x00, 0xFF}, 40)
	img := newImage(FormatHex, []Segment{{0x0800FFF0, data}, {0x20000000, []byte{1}}}, u32(0x08000101), nil)
	out := EncodeHex(img)
	back, err := Parse("rt.hex", out, Options{})
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if back.SHA256 != img.SHA256 || !eqPtr(back.Entry, img.Entry) {
		t.Fatalf("round trip changed the image:\n%s", out)
	}
	// The record before 0x08010000 must stop at the 64 KiB boundary.
	if !bytes.Contains(out, []byte("\n:020000040801F1\n:10000000")) {
		t.Fatalf("no 04 record at the 64 KiB boundary:\n%s", out)
	}
}
