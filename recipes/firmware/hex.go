package firmware

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
)

// Intel HEX record types.
const (
	hexData           = 0x00
	hexEOF            = 0x01
	hexExtSegment     = 0x02
	hexStartSegment   = 0x03
	hexExtLinear      = 0x04
	hexStartLinear    = 0x05
	hexMaxRecordBytes = 5 + 255 // count, address(2), type, data, checksum
)

// hexFixedLen is the data length each non-data record type must have
// (-1: any, for data records).
var hexFixedLen = [8]int{hexData: -1, hexEOF: 0, hexExtSegment: 2, hexStartSegment: 4, hexExtLinear: 2, hexStartLinear: 4, 6: -1, 7: -1}

// unhex maps an ASCII byte to its hex digit value, or 0xFF.
var unhex = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'A'; c <= 'F'; c++ {
		t[c] = byte(c-'A') + 10
		t[c+'a'-'A'] = byte(c-'A') + 10
	}
	return t
}()

// hexTrailer is what may follow the end-of-file record: ASCII whitespace and
// DOS end-of-file bytes (0x1A, Ctrl-Z), which old DOS and CP/M tools append,
// the latter padding to a 128-byte boundary.
const hexTrailer = " \t\n\v\f\r\x1a"

// parseHex reads Intel HEX. Lines end in LF or CRLF; blank lines are skipped;
// the end-of-file record is required and only hexTrailer bytes may follow it,
// on its line or on later ones. A data record is placed at base+offset and
// taken as contiguous even where offset+length passes 0xFFFF (as GNU objcopy
// and most loaders do), rather than wrapping inside the 64 KiB segment as the
// 1988 specification describes.
func parseHex(file string, data []byte) (*Image, error) {
	pos := 0
	return parseHexLines(file, len(data), func(bool) ([]byte, error) {
		if pos >= len(data) {
			return nil, io.EOF
		}
		text := data[pos:]
		if nl := bytes.IndexByte(text, '\n'); nl >= 0 {
			text = text[:nl]
			pos += nl + 1
		} else {
			pos = len(data)
		}
		return text, nil
	})
}

// maxHexLine bounds one line when streaming from a reader: a record is at
// most 521 characters; the rest allows generous trailing whitespace.
const maxHexLine = 4096

// parseHexReader streams Intel HEX from r, so a file of text several times
// the image's size is never held in memory at once. size is the file's size,
// used to size the output buffer.
func parseHexReader(file string, r io.Reader, size int64) (*Image, error) {
	br := bufio.NewReaderSize(r, maxHexLine)
	line := 0
	return parseHexLines(file, int(min(size, 1<<40)), func(afterEOF bool) ([]byte, error) {
		line++
		text, err := br.ReadSlice('\n')
		switch {
		case err == nil:
			return text[:len(text)-1], nil
		case err == io.EOF && len(text) > 0:
			return text, nil
		case err == bufio.ErrBufferFull && afterEOF:
			// parseHex takes a trailer of any length; so must the stream.
			for err == bufio.ErrBufferFull && len(bytes.TrimLeft(text, hexTrailer)) == 0 {
				text, err = br.ReadSlice('\n')
			}
			if err == nil || err == io.EOF {
				return text, nil // parseHexLines judges what is left
			}
			if err == bufio.ErrBufferFull {
				return nil, lineErr(file, line, "line longer than %d bytes", maxHexLine)
			}
		case err == bufio.ErrBufferFull:
			return nil, lineErr(file, line, "line longer than %d bytes", maxHexLine)
		case err == io.EOF:
			return nil, io.EOF
		}
		return nil, &Error{File: file, Line: line, Block: -1, Offset: -1, Msg: "cannot read", Err: err}
	})
}

// parseHexLines parses the lines next returns (without their LF) until it
// returns io.EOF; afterEOF tells next the end-of-file record has been read.
// size is an upper bound on the text's length.
func parseHexLines(file string, size int, next func(afterEOF bool) ([]byte, error)) (*Image, error) {
	b := newBuilder(size/2, func(loc int, format string, args ...any) *Error {
		return lineErr(file, loc, format, args...)
	})
	var (
		rec     [hexMaxRecordBytes]byte
		base    uint32 // from the last 02 or 04 record
		entry   *uint32
		eofLine int
		line    int
	)
	for {
		text, err := next(eofLine > 0)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		line++
		if eofLine > 0 {
			rest := bytes.TrimLeft(text, hexTrailer)
			switch {
			case len(rest) == 0:
				continue
			case rest[0] == ':':
				return nil, lineErr(file, line, "record after the end-of-file record on line %d", eofLine)
			}
			return nil, lineErr(file, line, "unexpected %q after the end-of-file record on line %d (only whitespace and 0x1A may follow it)",
				rest[0], eofLine)
		}
		text = bytes.TrimRight(text, " \t\r")
		if len(text) == 0 {
			continue
		}
		if body := bytes.TrimRight(text, hexTrailer); len(body) < len(text) && len(body) > 0 {
			// Ctrl-Z right after the end-of-file record, with no newline.
			if _, err := decodeRecord(file, line, body, &rec); err == nil && rec[3] == hexEOF {
				text = body
			}
		}
		n, err := decodeRecord(file, line, text, &rec)
		if err != nil {
			return nil, err
		}
		count, typ, payload := int(rec[0]), rec[3], rec[4:n-1]
		offset := uint32(binary.BigEndian.Uint16(rec[1:3]))
		if want := hexFixedLen[typ&7]; typ <= hexStartLinear && want >= 0 && count != want {
			return nil, lineErr(file, line, "record type 0x%02X has %d data bytes, want %d", typ, count, want)
		}
		switch typ {
		case hexData:
			addr := uint64(base) + uint64(offset)
			if addr > 0xFFFFFFFF {
				return nil, lineErr(file, line, "address 0x%X is beyond 32 bits", addr)
			}
			if err := b.add(uint32(addr), payload, line); err != nil {
				return nil, err
			}
		case hexEOF:
			eofLine = line
		case hexExtSegment:
			base = uint32(binary.BigEndian.Uint16(payload)) << 4
		case hexExtLinear:
			base = uint32(binary.BigEndian.Uint16(payload)) << 16
		case hexStartSegment, hexStartLinear:
			e := binary.BigEndian.Uint32(payload)
			if typ == hexStartSegment { // CS:IP, real-mode linear address CS·16+IP
				e = uint32(binary.BigEndian.Uint16(payload[0:2]))<<4 + uint32(binary.BigEndian.Uint16(payload[2:4]))
			}
			if entry != nil && *entry != e {
				return nil, lineErr(file, line, "second start address 0x%08X differs from the first, 0x%08X", e, *entry)
			}
			entry = &e
		default:
			return nil, lineErr(file, line, "unknown record type 0x%02X", typ)
		}
	}
	if eofLine == 0 {
		return nil, lineErr(file, line+1, "missing end-of-file record (:00000001FF)")
	}
	segs, err := b.segments()
	if err != nil {
		return nil, err
	}
	if len(segs) == 0 {
		return nil, fileErr(file, "no data records")
	}
	return newImage(FormatHex, segs, entry, nil), nil
}

// decodeRecord turns one ":LLAAAATT…CC" line into bytes and checks its length
// and checksum. It returns the number of bytes decoded into rec.
func decodeRecord(file string, line int, text []byte, rec *[hexMaxRecordBytes]byte) (int, error) {
	if text[0] != ':' {
		return 0, lineErr(file, line, "record does not start with ':' (found %q)", text[0])
	}
	digits := text[1:]
	if len(digits)%2 != 0 {
		return 0, lineErr(file, line, "odd number of hex digits (%d)", len(digits))
	}
	n := len(digits) / 2
	if n < 5 {
		return 0, lineErr(file, line, "record too short (%d bytes, need at least 5)", n)
	}
	if n > hexMaxRecordBytes {
		return 0, lineErr(file, line, "record too long (%d bytes, at most %d)", n, hexMaxRecordBytes)
	}
	var sum byte
	for i := 0; i < n; i++ {
		hi, lo := unhex[digits[2*i]], unhex[digits[2*i+1]]
		if hi > 0xF || lo > 0xF {
			col := 2 + 2*i
			if hi <= 0xF {
				col++
			}
			return 0, lineErr(file, line, "bad hex digit %q in column %d", text[col-1], col)
		}
		rec[i] = hi<<4 | lo
		sum += rec[i]
	}
	if count := int(rec[0]); n != count+5 {
		return 0, lineErr(file, line, "byte count 0x%02X does not match the record's %d data bytes", count, n-5)
	}
	if sum != 0 {
		got := rec[n-1]
		return 0, lineErr(file, line, "checksum 0x%02X, want 0x%02X", got, got-sum)
	}
	return n, nil
}
