package firmware

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestLoadHexStreams: Load streams Intel HEX; it must agree with Parse on
// images and on errors, and bound the length of a line.
func TestLoadHexStreams(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, text, want string // want: error text, "" for success
	}{
		{"no final newline", rec(0, 0, 1, 2) + rec(5, 0, 0, 0, 0, 9) + strings.TrimSuffix(eof, "\n"), ""},
		{"CRLF", strings.ReplaceAll(rec(0, 0x10, 7)+eof+"\n", "\n", "\r\n"), ""},
		{"bad checksum", rec(0, 0, 1) + ":0100000002FC\n" + eof, "t.hex:2: checksum 0xFC, want 0xFD"},
		{"no EOF", rec(0, 0, 1), "t.hex:2: missing end-of-file record"},
		{"overlap", rec(0, 0, 1) + rec(0, 0, 2) + eof, "t.hex:2: data at 0x00000000 (0x02) overlaps"},
		{"huge line", rec(0, 0, 1) + strings.Repeat(" ", 5000) + "\n" + eof, "t.hex:2: line longer than 4096 bytes"},
		{"Ctrl-Z padding longer than a line", rec(0, 0, 1) + eof + strings.Repeat("\x1a", 9000) + "\r\n" + strings.Repeat(" ", 5000), ""},
		{"text after long padding", rec(0, 0, 1) + eof + strings.Repeat("\x1a", 9000) + "x", "t.hex:3: unexpected 'x' after the end-of-file record on line 2"},
		{"record after long padding", rec(0, 0, 1) + eof + strings.Repeat(" ", 5000) + "\n" + rec(0, 0, 2), "t.hex:4: record after the end-of-file record on line 2"},
		{"long garbage after EOF", rec(0, 0, 1) + eof + strings.Repeat("\x1a", 5000) + strings.Repeat("x", 5000), "t.hex:3: line longer than 4096 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "t.hex")
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			loaded, err := Load(path, Options{})
			if tc.want != "" {
				checkErr(t, err, tc.want)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := Parse("t.hex", []byte(tc.text), Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, loaded)
			if loaded.SHA256 != parsed.SHA256 || !eqPtr(loaded.Entry, parsed.Entry) {
				t.Fatal("Load and Parse disagree")
			}
		})
	}
}

func TestLoadOptions(t *testing.T) {
	_, err := Load("testdata/blinky.hex", Options{Base: u32(0)})
	checkErr(t, err, "testdata/blinky.hex: a base address applies only to raw binaries")
	_, err = Load("testdata/blinky.elf", Options{Family: u32(1)})
	checkErr(t, err, "a UF2 family applies only to UF2 files; this file is elf")
	img, err := Load("testdata/blinky.uf2", Options{Family: u32(0x57755A57)})
	if err != nil || img.Size != 220 {
		t.Fatalf("%v %v", img, err)
	}
	_, err = Load("testdata/blinky.bin", Options{Format: "srec"})
	checkErr(t, err, `unknown format "srec"`)
}

// TestLoadRefusesWhatIsNoFirmware: devices, FIFOs and directories are refused
// before a byte is read (a FIFO without a writer would block Open), and so
// are files and images beyond every target's memory; a sparse 3 GB .bin is
// refused from its size, never read.
func TestLoadRefusesWhatIsNoFirmware(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.bin")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	sized := func(name string, size int64) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.Truncate(size); err != nil {
			t.Fatal(err)
		}
		return p
	}
	base := u32(0x08000000)
	tests := []struct {
		name, path, want string
	}{
		{"character device", "/dev/zero", "/dev/zero: not a regular file (a character device)"},
		{"named pipe", fifo, "pipe.bin: not a regular file (a named pipe)"},
		{"directory", dir, "not a regular file (a directory)"},
		{"sparse 3 GB", sized("huge.bin", 3<<30), "huge.bin: 3072 MiB is larger than any firmware file (limit 64 MiB)"},
		{"one byte past the file bound", sized("big.bin", MaxFile+1), "big.bin: 64 MiB is larger than any firmware file"},
		{"one byte past the image bound", sized("wide.bin", MaxImage+1), "wide.bin: the image holds 16777217 bytes; no supported target holds more than 16 MiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.path, Options{Base: base})
			checkErr(t, err, tc.want)
		})
	}
	// At the bound exactly, the image loads.
	img, err := Load(sized("full.bin", MaxImage), Options{Base: base})
	if err != nil || img.Size != MaxImage {
		t.Fatalf("a %d-byte image: %v", MaxImage, err)
	}
}
