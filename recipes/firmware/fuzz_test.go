package firmware

import (
	"os"
	"testing"
)

// fuzzParse parses data as format and checks, for anything accepted, the
// image invariants, that the image is no bigger than its file (no parser
// invents bytes), and that it survives a round trip through EncodeHex.
func fuzzParse(t *testing.T, format Format, data []byte) {
	img, err := Parse("fuzz", data, Options{Format: format})
	if err != nil {
		if _, ok := err.(*Error); !ok {
			t.Fatalf("error %T is not a *firmware.Error: %v", err, err)
		}
		return
	}
	checkInvariants(t, img)
	if img.Size > int64(len(data)) {
		t.Fatalf("image of %d bytes from a %d-byte file", img.Size, len(data))
	}
	back, err := Parse("fuzz.hex", EncodeHex(img), Options{})
	if err != nil {
		t.Fatalf("EncodeHex output does not parse: %v", err)
	}
	if back.SHA256 != img.SHA256 || !eqPtr(back.Entry, img.Entry) {
		t.Fatal("EncodeHex round trip changed the image")
	}
}

func addFile(f *testing.F, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
}

func FuzzParseHex(f *testing.F) {
	addFile(f, "testdata/blinky.hex")
	addFile(f, "testdata/segment.hex")
	f.Add([]byte(rec(0, 0xFFFE, 1, 2, 3) + rec(2, 0, 0xFF, 0xFF) + rec(0, 0xFFFF, 1) + eof))
	f.Add([]byte(rec(0, 0, 1) + ":00000001FF\x1a\r\n\x1a\x1a \n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, FormatHex, data) })
}

func FuzzParseUF2(f *testing.F) {
	addFile(f, "testdata/blinky.uf2")
	f.Add(join(uf2Blk(0x2000, 0x10000000, make([]byte, 256), 0, 2, rp2040), uf2Blk(1, 0, nil, 1, 2, 0)))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, FormatUF2, data) })
}

func FuzzParseELF(f *testing.F) {
	addFile(f, "testdata/blinky.elf")
	f.Add(mkELF(1, []phdr{{1, 116, 0, 0x100, 2, 4}, {1, 117, 0, 0x100, 1, 1}}, []byte{1, 2}))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, FormatELF, data) })
}
