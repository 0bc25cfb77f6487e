package firmware

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// MaxFile bounds the firmware file Load reads. ELF files with debug
// sections are several times larger than the image they hold, and Intel HEX
// text nearly three times, but no real firmware file comes near this.
const MaxFile = 64 << 20

// MaxImage bounds the bytes an image may hold: the largest memory any
// supported target is programmed through (a 16 MiB QSPI NOR on an RP2040,
// the largest its XIP window maps). A bigger image fits no target, so it is
// refused before it is carried through the station.
const MaxImage = 16 << 20

// Load reads the file at path and parses it as Parse does; errors name path.
// Intel HEX is streamed rather than read whole, as its text is nearly three
// times the size of the image it describes. Anything but a regular file
// (a device such as /dev/zero, a FIFO, a directory) is refused before a byte
// is read, as is a file over MaxFile or an image over MaxImage.
func Load(path string, opts Options) (*Image, error) {
	// Stat before opening: opening a FIFO blocks until a writer comes.
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return nil, fileErr(path, "not a regular file (%s); give the path of a firmware file", kindOf(st.Mode()))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Block: -1, Offset: -1, Msg: "cannot read", Err: err}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, &Error{File: path, Block: -1, Offset: -1, Msg: "cannot read", Err: err}
	}
	if !st.Mode().IsRegular() {
		return nil, fileErr(path, "not a regular file (%s); give the path of a firmware file", kindOf(st.Mode()))
	}
	if st.Size() > MaxFile {
		return nil, fileErr(path, "%d MiB is larger than any firmware file (limit %d MiB)", st.Size()>>20, MaxFile>>20)
	}
	// The file may still grow while it is read: never read past the bound.
	limited := &io.LimitedReader{R: f, N: MaxFile + 1}
	br := bufio.NewReaderSize(limited, maxHexLine)
	head, err := br.Peek(maxHexLine)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, &Error{File: path, Block: -1, Offset: -1, Msg: "cannot read", Err: err}
	}
	format := opts.Format
	if format == FormatAuto {
		format = Detect(path, head)
	}
	if err := checkOptions(path, format, opts); err != nil {
		return nil, err
	}
	var img *Image
	if format == FormatHex {
		img, err = parseHexReader(path, br, st.Size())
	} else {
		buf := bytes.NewBuffer(make([]byte, 0, st.Size()+bytes.MinRead))
		if _, err := buf.ReadFrom(br); err != nil {
			return nil, &Error{File: path, Block: -1, Offset: -1, Msg: "cannot read", Err: err}
		}
		img, err = parse(path, buf.Bytes(), format, opts, true)
	}
	if limited.N <= 0 {
		return nil, fileErr(path, "grew past %d MiB while it was read", MaxFile>>20)
	}
	if err != nil {
		return nil, err
	}
	if img.Size > MaxImage {
		return nil, fileErr(path, "the image holds %d bytes; no supported target holds more than %d MiB", img.Size, MaxImage>>20)
	}
	return img, nil
}

// kindOf names a non-regular file's kind for an error.
func kindOf(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.String()
}

// Parse loads a firmware image from data; name is used in errors and for
// detection by extension. The format is opts.Format, or else detected: by
// content first (ELF magic, UF2 magics, a first line that is an Intel HEX
// record), then by extension (.elf/.axf, .uf2, .hex/.ihex/.ihx), and anything
// else is a raw binary, which needs opts.Base. Parse keeps no reference to
// data.
func Parse(name string, data []byte, opts Options) (*Image, error) {
	f := opts.Format
	if f == FormatAuto {
		f = Detect(name, data)
	}
	if err := checkOptions(name, f, opts); err != nil {
		return nil, err
	}
	return parse(name, data, f, opts, false)
}

// checkOptions refuses options that do not fit format f.
func checkOptions(name string, f Format, opts Options) error {
	if opts.Base != nil && f != FormatBin {
		return fileErr(name, "a base address applies only to raw binaries; this file is %s", f)
	}
	if opts.Family != nil && f != FormatUF2 {
		return fileErr(name, "a UF2 family applies only to UF2 files; this file is %s", f)
	}
	return nil
}

// parse runs the parser for f. owned says data is ours to keep (Load's
// buffer), sparing a raw binary its copy.
func parse(name string, data []byte, f Format, opts Options, owned bool) (*Image, error) {
	switch f {
	case FormatHex:
		return parseHex(name, data)
	case FormatELF:
		return parseELF(name, data)
	case FormatUF2:
		return parseUF2(name, data, opts.Family)
	case FormatBin:
		return parseBin(name, data, opts.Base, owned)
	}
	return nil, fileErr(name, "unknown format %q", string(f))
}

// Detect guesses a file's format from its content, then its name; it never
// fails, answering FormatBin when nothing else fits.
func Detect(name string, data []byte) Format {
	switch {
	case bytes.HasPrefix(data, []byte("\x7fELF")):
		return FormatELF
	case len(data) >= 8 && binary.LittleEndian.Uint32(data) == uf2Magic0 &&
		binary.LittleEndian.Uint32(data[4:]) == uf2Magic1:
		return FormatUF2
	case looksLikeHex(data):
		return FormatHex
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".elf", ".axf":
		return FormatELF
	case ".uf2":
		return FormatUF2
	case ".hex", ".ihex", ".ihx":
		return FormatHex
	}
	return FormatBin
}

// looksLikeHex: the first line is ':' and an even number (at least 10) of hex
// digits. A raw binary whose first line happens to pass is rare, and can be
// forced with Options.Format.
func looksLikeHex(data []byte) bool {
	line := data
	if nl := bytes.IndexByte(line, '\n'); nl >= 0 {
		line = line[:nl]
	}
	line = bytes.TrimRight(line, "\r")
	if len(line) < 11 || line[0] != ':' || (len(line)-1)%2 != 0 {
		return false
	}
	for _, c := range line[1:] {
		if unhex[c] > 0xF {
			return false
		}
	}
	return true
}

// parseBin places a raw binary at base.
func parseBin(name string, data []byte, base *uint32, owned bool) (*Image, error) {
	if base == nil {
		return nil, fileErr(name, "raw binary needs a base address (the file is not ELF, UF2 or Intel HEX by content or name)")
	}
	if len(data) == 0 {
		return nil, fileErr(name, "empty file")
	}
	if uint64(*base)+uint64(len(data)) > 0xFFFFFFFF {
		return nil, fileErr(name, "%d bytes at base 0x%08X run past the end of the 32-bit address space", len(data), *base)
	}
	if !owned {
		data = bytes.Clone(data)
	}
	seg := Segment{Address: *base, Data: data}
	return newImage(FormatBin, []Segment{seg}, nil, nil), nil
}

// String returns the format's name, "auto" for detection.
func (f Format) String() string {
	if f == FormatAuto {
		return "auto"
	}
	return string(f)
}
