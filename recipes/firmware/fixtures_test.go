package firmware

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func TestFixturesAgree(t *testing.T) {
	bin, err := Load("testdata/blinky.bin", Options{Base: u32(0x08000000)})
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, bin)
	if len(bin.Segments) != 1 || bin.Segments[0].Address != 0x08000000 || bin.Size != 220 {
		t.Fatalf("bin: segments %v, size %d; want 220 bytes at 0x08000000", bin.Segments, bin.Size)
	}
	for _, tc := range []struct {
		file   string
		format Format
		entry  *uint32
		family *uint32
	}{
		{"testdata/blinky.elf", FormatELF, u32(0x08000043), nil},
		{"testdata/blinky.hex", FormatHex, u32(0x08000043), nil},
		{"testdata/blinky.uf2", FormatUF2, nil, u32(0x57755A57)},
	} {
		t.Run(tc.file, func(t *testing.T) {
			img, err := Load(tc.file, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, img)
			if img.Format != tc.format {
				t.Errorf("format %q, want %q", img.Format, tc.format)
			}
			if img.SHA256 != bin.SHA256 || len(img.Segments) != 1 || img.Segments[0].Address != 0x08000000 ||
				!bytes.Equal(img.Segments[0].Data, bin.Segments[0].Data) {
				t.Errorf("content differs from blinky.bin at 0x08000000")
			}
			if !eqPtr(img.Entry, tc.entry) {
				t.Errorf("entry %v, want %v", deref(img.Entry), deref(tc.entry))
			}
			if !eqPtr(img.Family, tc.family) {
				t.Errorf("family %v, want %v", deref(img.Family), deref(tc.family))
			}
		})
	}
}

// TestELFLoadAddress checks that .data came from its load address in flash
// (after .text), not its run address in RAM: blink_period = 500000.
func TestELFLoadAddress(t *testing.T) {
	img, err := Load("testdata/blinky.elf", Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := binary.LittleEndian.Uint32(img.Fill(0x080000D8, 0x080000DC, 0xFF))
	if got != 500000 {
		t.Fatalf("word at 0x080000D8 = %d, want 500000 (blink_period's initial value)", got)
	}
	if _, hi := img.Bounds(); hi != 0x080000DC {
		t.Fatalf("image ends at 0x%08X, want 0x080000DC: .bss must add no bytes", hi)
	}
}

func TestSegmentHex(t *testing.T) {
	img, err := Load("testdata/segment.hex", Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, img)
	want := []Segment{
		{0x8004, []byte{0xDE, 0xAD, 0xBE, 0xEF}},
		{0x10000, []byte("segment 0x1000: sixteen bytes!!!")},
	}
	if len(img.Segments) != len(want) {
		t.Fatalf("segments %v, want %v", img.Segments, want)
	}
	for i, w := range want {
		if g := img.Segments[i]; g.Address != w.Address || !bytes.Equal(g.Data, w.Data) {
			t.Errorf("segment %d: 0x%X %q, want 0x%X %q", i, g.Address, g.Data, w.Address, w.Data)
		}
	}
	if !eqPtr(img.Entry, u32(0x10010)) {
		t.Errorf("entry %v, want 0x10010 (CS:IP 1000:0010)", deref(img.Entry))
	}
}

func eqPtr(a, b *uint32) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func deref(p *uint32) any {
	if p == nil {
		return nil
	}
	return *p
}
