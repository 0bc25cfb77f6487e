package openocd

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/flashstation/flashstation/targets"
)

// encodeHex writes segments as Intel HEX (type 04 extended linear address
// records, 16 data bytes a line), the one format OpenOCD's write_image
// and verify_image read with addresses and gaps.
func encodeHex(segs []targets.Segment) []byte {
	var b bytes.Buffer
	upper := -1
	record := func(typ byte, addr uint16, data []byte) {
		sum := byte(len(data)) + byte(addr>>8) + byte(addr) + typ
		fmt.Fprintf(&b, ":%02X%04X%02X", len(data), addr, typ)
		for _, d := range data {
			fmt.Fprintf(&b, "%02X", d)
			sum += d
		}
		fmt.Fprintf(&b, "%02X\n", -sum)
	}
	for _, s := range segs {
		for off := 0; off < len(s.Data); {
			addr := s.Addr + uint32(off)
			if int(addr>>16) != upper {
				upper = int(addr >> 16)
				record(0x04, 0, []byte{byte(upper >> 8), byte(upper)})
			}
			// A line never crosses a 64 KiB boundary.
			n := min(16, len(s.Data)-off, int(0x10000-(addr&0xFFFF)))
			record(0x00, uint16(addr), s.Data[off:off+n])
			off += n
		}
	}
	record(0x01, 0, nil)
	return b.Bytes()
}

// writeImage puts segments in a temp .hex file for OpenOCD and returns its
// path, quoted as one Tcl word.
func (s *Session) writeImage(name string, segs []targets.Segment) (string, error) {
	p := filepath.Join(s.dir, name+".hex")
	if err := os.WriteFile(p, encodeHex(segs), 0o600); err != nil {
		return "", fmt.Errorf("openocd: write image for OpenOCD: %w", err)
	}
	return tclWord(p)
}

func imageSize(segs []targets.Segment) int64 {
	var n int64
	for _, s := range segs {
		n += int64(len(s.Data))
	}
	return n
}
