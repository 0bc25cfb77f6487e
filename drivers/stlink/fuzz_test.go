package stlink

import (
	"math"
	"strings"
	"testing"
)

// Every decoder either decodes or says "stlink: …"; none panics. The seeds
// run as ordinary tests.

func FuzzDecodeVersion(f *testing.F) {
	for _, s := range [][]byte{
		{0x24, 0x44, 0x83, 0x04, 0x48, 0x37}, {0x29, 0x47, 0x83, 0x04, 0x48, 0x37},
		{0x2a, 0x1b, 0x83, 0x04, 0x4b, 0x37}, {0x25, 0x87, 0x83, 0x04, 0x4b, 0x37},
		{0x30, 0x00, 0x83, 0x04, 0x4f, 0x37}, {}, {0xff},
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeVersion(b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "stlink: ") {
				t.Fatalf("unprefixed error %q", err)
			}
			return
		}
		if v.Major > 15 || v.JTAG > 63 || v.SWIM > 63 || v.MSD > 63 || !strings.HasPrefix(v.String(), "V") {
			t.Fatalf("decoded out of range: %+v %s", v, v)
		}
	})
}

func FuzzDecodeVersionEx(f *testing.F) {
	f.Add([]byte{0x03, 0x00, 0x07, 0x03, 0x00, 0, 0, 0, 0x83, 0x04, 0x4f, 0x37})
	f.Add([]byte{0x03, 0x01, 0x07, 0x03, 0x03, 0, 0, 0, 0x83, 0x04, 0x4e, 0x37})
	f.Add([]byte{0x02})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeVersionEx(b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "stlink: ") {
				t.Fatalf("unprefixed error %q", err)
			}
			return
		}
		if v.Major < 3 || v.VID != VID {
			t.Fatalf("accepted %+v", v)
		}
		_ = v.String()
	})
}

func FuzzDecodeVoltage(f *testing.F) {
	f.Add([]byte{0x00, 0x06, 0, 0, 0x2a, 0x05, 0, 0})
	f.Add([]byte{0, 0, 0, 0, 1, 0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeVoltage(b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "stlink: ") {
				t.Fatalf("unprefixed error %q", err)
			}
			return
		}
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("voltage %v from % x", v, b)
		}
	})
}

func FuzzDecodeComFreqs(f *testing.F) {
	good := make([]byte, 52)
	copy(good, []byte{0x80, 0, 0, 0, 0x08, 0x07, 0, 0, 3, 0, 0, 0, 0xc0, 0x5d, 0, 0, 0x40, 0x1f, 0, 0, 0xe4, 0x0c, 0, 0})
	f.Add(good)
	f.Add([]byte{0x80, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		list, err := decodeComFreqs(b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "stlink: ") {
				t.Fatalf("unprefixed error %q", err)
			}
			return
		}
		if len(list) > 10 {
			t.Fatalf("%d clocks", len(list))
		}
		if f, ok := pickFreq(list, 4000); ok && f == 0 {
			t.Fatal("picked clock 0")
		}
	})
}

func FuzzPlanChunks(f *testing.F) {
	f.Add(uint32(0x200003F0), 64, 4, 64, uint32(1024))
	f.Add(uint32(0x20000000), 16384, 4, 512, uint32(1<<16))
	f.Add(uint32(0xFFFFFFFC), 8, 1, 64, uint32(4096))
	f.Add(uint32(3), 5, 2, 0, uint32(0))
	f.Fuzz(func(t *testing.T, addr uint32, n, size, max8 int, tar uint32) {
		if n > 1<<20 {
			return // keep each run small; the arithmetic does not depend on size
		}
		chunks, err := planChunks(addr, n, size, limits{max8: max8, tarBlock: tar})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "stlink: ") {
				t.Fatalf("unprefixed error %q", err)
			}
			return
		}
		next := 0
		for _, c := range chunks {
			limit := maxRW16or32
			if size == 1 {
				limit = max8
			}
			if c.off != next || c.n <= 0 || c.n > limit || c.n%size != 0 || c.addr != addr+uint32(c.off) {
				t.Fatalf("bad chunk %+v after %d", c, next)
			}
			if first, last := c.addr/tar, (c.addr+uint32(c.n)-1)/tar; first != last {
				t.Fatalf("chunk %+v crosses a %d-byte TAR block", c, tar)
			}
			next += c.n
		}
		if next != n {
			t.Fatalf("chunks cover %d of %d bytes", next, n)
		}
	})
}

func FuzzCheckStatus(f *testing.F) {
	for _, b := range []byte{0x80, 0x81, 0x10, 0x11, 0x16, 0x0D, 0x77} {
		f.Add([]byte{b, 0})
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		err := checkStatus("fuzz", b)
		if err == nil {
			if len(b) == 0 || !Status(b[0]).ok() {
				t.Fatalf("accepted % x", b)
			}
			return
		}
		if !strings.HasPrefix(err.Error(), "stlink: fuzz: ") {
			t.Fatalf("error %q", err)
		}
	})
}
