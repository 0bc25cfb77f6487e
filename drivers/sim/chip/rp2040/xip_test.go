package rp2040

import (
	"errors"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// xipWord reads one word at addr and reports whether it cost a flash
// read (a stall).
func xipWord(t *testing.T, c *Chip, addr uint32) (uint32, bool) {
	t.Helper()
	v, stall, err := c.Bus(0).Read(addr, 4)
	if err != nil {
		t.Fatalf("read %#x: %v", addr, err)
	}
	return v, stall > 0
}

// reprogram changes flash word off behind the cache's back, as RE and RP
// do when the host leaves out FC.
func reprogram(c *Chip, off uint32, v uint32) {
	m := c.Flash().Contents()
	m[off], m[off+1], m[off+2], m[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

// TestXIPCacheHoldsStaleData: the cache keeps data (datasheet §2.6.3.1),
// so a host that reprograms the flash and forgets flash_flush_cache reads
// the old bytes through 0x10000000, as on silicon; FC clears them.
func TestXIPCacheHoldsStaleData(t *testing.T) {
	c := newChip(t, "")
	data := fill(t, c, 256, 3)
	mustCall(t, c, "CX")
	if v, miss := xipWord(t, c, XIPBase+0x40); v != 0xFFFFFFFF || !miss {
		t.Fatalf("first read %#08x miss=%v, want erased and a miss", v, miss)
	}
	mustCall(t, c, "IF")
	mustCall(t, c, "EX")
	mustCall(t, c, "RP", 0, dataA, 256)
	mustCall(t, c, "CX") // no FC
	want := uint32(data[0x40]) | uint32(data[0x41])<<8 | uint32(data[0x42])<<16 | uint32(data[0x43])<<24
	if v, miss := xipWord(t, c, XIPBase+0x40); v != 0xFFFFFFFF || miss {
		t.Fatalf("without FC: %#08x miss=%v, want the stale 0xFFFFFFFF from the cache", v, miss)
	}
	if v, _ := xipWord(t, c, XIPBase+0x48); v == 0xFFFFFFFF {
		t.Fatal("a line never cached should read the new flash")
	}
	mustCall(t, c, "FC")
	if v, miss := xipWord(t, c, XIPBase+0x40); v != want || !miss {
		t.Fatalf("after FC: %#08x miss=%v, want %#08x from the flash", v, miss, want)
	}
}

// TestXIPAliases: 0x10 cacheable allocating, 0x11 cacheable
// non-allocating, 0x12 non-cacheable allocating ("Don't check for hit,
// always update cache"), 0x13 bypass (datasheet §2.6.3.1).
func TestXIPAliases(t *testing.T) {
	const off = 0x200
	cases := []struct {
		name  string
		first uint32 // alias of a read made before the flash changes
		then  uint32 // alias then read twice
		// what those two reads get: the old word, and a miss each time
		thenOld, thenMiss bool
		// what a 0x10 read gets at the end
		afterOld, afterMiss bool
	}{
		{"0x11 hits a 0x10 line", 0x10, 0x11, true, false, true, false},
		{"0x11 miss does not fill", 0x13, 0x11, false, true, false, true},
		{"0x12 never hits but refills", 0x10, 0x12, false, true, false, false},
		{"0x13 bypasses a 0x10 line", 0x10, 0x13, false, true, true, false},
		{"0x12 fills for 0x10", 0x12, 0x13, false, true, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newChip(t, "")
			mustCall(t, c, "CX")
			xipWord(t, c, tc.first<<24|off)
			reprogram(c, off, 0x12345678)
			for i := range 2 {
				v, m := xipWord(t, c, tc.then<<24|off)
				if (v == 0xFFFFFFFF) != tc.thenOld || m != tc.thenMiss {
					t.Fatalf("read %d via %#x: %#08x miss=%v, want old=%v miss=%v", i, tc.then, v, m, tc.thenOld, tc.thenMiss)
				}
			}
			v, m := xipWord(t, c, XIPBase|off)
			if (v == 0xFFFFFFFF) != tc.afterOld || m != tc.afterMiss {
				t.Fatalf("0x10 read after: %#08x miss=%v, want old=%v miss=%v", v, m, tc.afterOld, tc.afterMiss)
			}
		})
	}
}

// TestXIPWrites: writes never program the flash. CTRL.ERR_BADWRITE resets
// to 1: writes to aliases other than 0x10 are bus faults; with it 0 they
// are ignored. A write to 0x10 deletes a matching line either way
// (XIP_CTRL CTRL register; pico-sdk hardware/regs/xip.h).
func TestXIPWrites(t *testing.T) {
	c := newChip(t, "")
	b := c.Bus(0)
	mustCall(t, c, "CX")
	if got := rd(t, b, xipCtrlBase+xipCtrlOff); got != 3 {
		t.Fatalf("CTRL %#x after reset, want 3 (EN, ERR_BADWRITE)", got)
	}
	for _, a := range []uint32{0x11000000, 0x12000000, 0x13000000} {
		if _, err := b.Write(a, 4, 0); !errors.Is(err, hw.ErrBusFault) {
			t.Errorf("write %#x with ERR_BADWRITE=1: %v, want a bus fault", a, err)
		}
	}
	xipWord(t, c, XIPBase+0x80)
	reprogram(c, 0x80, 0)
	wr(t, b, XIPBase+0x84, 0x5555) // same line: deallocates it
	if v, miss := xipWord(t, c, XIPBase+0x80); v != 0 || !miss {
		t.Fatalf("after a 0x10 write: %#08x miss=%v, want the flash's 0 and a miss", v, miss)
	}
	if c.Flash().Contents()[0x84] != 0xFF {
		t.Fatal("an XIP write changed the flash")
	}
	wr(t, b, xipCtrlBase+xipCtrlOff, xipEN)
	for _, a := range []uint32{0x11000000, 0x12000000, 0x13000000} {
		if _, err := b.Write(a, 4, 0); err != nil {
			t.Errorf("write %#x with ERR_BADWRITE=0: %v, want ignored", a, err)
		}
	}
}

// TestXIPCtrl: FLUSH invalidates every line, CTRL.EN=0 sends every access
// to the flash, and a reset of the XIP block flushes and restores CTRL.
func TestXIPCtrl(t *testing.T) {
	c := newChip(t, "")
	b := c.Bus(0)
	mustCall(t, c, "CX")
	xipWord(t, c, XIPBase)
	reprogram(c, 0, 0xA5A5A5A5)
	wr(t, b, xipCtrlBase+xipFlushOff, 1)
	if v, miss := xipWord(t, c, XIPBase); v != 0xA5A5A5A5 || !miss {
		t.Fatalf("after FLUSH: %#08x miss=%v", v, miss)
	}
	wr(t, b, xipCtrlBase+xipCtrlOff, xipErrBadWrite) // EN = 0
	reprogram(c, 0, 0x01020304)
	for range 2 {
		if v, miss := xipWord(t, c, XIPBase); v != 0x01020304 || !miss {
			t.Fatalf("cache disabled: %#08x miss=%v, want every read from the flash", v, miss)
		}
	}
	wr(t, b, xipCtrlBase+xipCtrlOff, xipEN|xipPowerDown)
	if got := rd(t, b, xipCtrlBase+xipCtrlOff); got&xipEN != 0 {
		t.Fatalf("CTRL %#x: POWER_DOWN must force EN to 0", got)
	}
	c.SetReset(true)
	c.SetReset(false)
	if got := rd(t, b, xipCtrlBase+xipCtrlOff); got != xipCtrlReset {
		t.Fatalf("CTRL %#x after RUN, want %#x", got, xipCtrlReset)
	}
}

// TestXIPTwoWays: lines 8 KiB apart share a set (16 KiB / 8-byte lines /
// 2 ways = 1024 sets); two of them stay cached, a third evicts the least
// recently used.
func TestXIPTwoWays(t *testing.T) {
	c := newChip(t, "")
	mustCall(t, c, "CX")
	const stride = xipSets * xipLine
	a, b2, c3 := uint32(0x1000), uint32(0x1000+stride), uint32(0x1000+2*stride)
	for _, off := range []uint32{a, b2, a, b2} {
		xipWord(t, c, XIPBase+off)
	}
	if _, miss := xipWord(t, c, XIPBase+a); miss {
		t.Fatal("two lines of one set should both be cached")
	}
	xipWord(t, c, XIPBase+c3) // evicts b2, the least recently used
	if _, miss := xipWord(t, c, XIPBase+a); miss {
		t.Fatal("the most recently used line was evicted")
	}
	if _, miss := xipWord(t, c, XIPBase+b2); !miss {
		t.Fatal("the least recently used line should have been evicted")
	}
}

// TestXIPHitCostsNothing keeps the timing model: a miss costs a 03h read
// of one line at the SSI clock, a hit costs no modeled time, and hits
// happen on any cached line, not only the last one.
func TestXIPHitCostsNothing(t *testing.T) {
	c := newChip(t, "")
	mustCall(t, c, "CX")
	b := c.Bus(0)
	_, s1, _ := b.Read(XIPBase+0x100, 4)
	_, _, _ = b.Read(XIPBase+0x200, 4)
	_, s2, _ := b.Read(XIPBase+0x104, 4)
	if want := time.Duration(12) * c.spiByteTime(); s1 != want || s2 != 0 {
		t.Fatalf("miss %v (want %v), hit %v (want 0)", s1, want, s2)
	}
}
