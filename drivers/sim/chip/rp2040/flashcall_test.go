package rp2040

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/w25q"
	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

const (
	dfsr    = 0xE000ED30
	sHalt   = 1 << 17
	sRetire = 1 << 24
	dataB   = 0x20011000 // the second staging buffer
)

// start sets up a bootrom call as the host does and resumes the core
// without waiting for it: it returns the modeled start time.
func start(t *testing.T, c *Chip, code string, args ...uint32) time.Duration {
	t.Helper()
	pc := lookup(t, c, code)
	b := c.Bus(0)
	wr(t, b, dhcsr, 0xA05F0003)
	if _, err := b.Write(bkptA, 2, 0xBE00); err != nil {
		t.Fatal(err)
	}
	regs := map[int]uint32{13: stack, 14: bkptA | 1, 15: pc &^ 1, 16: 1 << 24}
	for i, a := range args {
		regs[i] = a
	}
	for n, v := range regs {
		wr(t, b, dcrdr, v)
		wr(t, b, dcrsr, uint32(n)|1<<16)
	}
	wr(t, b, dfsr, 0x1F)
	t0 := c.clk.Now()
	wr(t, b, dhcsr, 0xA05F0001)
	return t0
}

func regPC(t *testing.T, c *Chip) uint32 {
	t.Helper()
	wr(t, c.Bus(0), dcrsr, 15)
	return rd(t, c.Bus(0), dcrdr)
}

// spiByte is one SPI byte at clk_sys / 6 (BAUDR as flash_init_spi sets
// it); a chip that booted to USB runs clk_sys at 48 MHz.
func spiByte(c *Chip) time.Duration { return clock.Bits(8*6, c.SysClockHz()) }

// pageTime is one RP page: 263 SPI bytes plus the W25Q's page program.
func pageTime(c *Chip) time.Duration { return 263*spiByte(c) + w25q.TimePageProgram }

// TestProgramRunsWhileTheDebuggerWaits: RP of one page leaves the core
// running (S_HALT clear, S_RETIRE_ST set) until the page time has passed,
// the flash busy from the /CS rise for tPP; then the core is halted at the
// BKPT with DFSR.BKPT and the page in the flash.
func TestProgramRunsWhileTheDebuggerWaits(t *testing.T) {
	c := newChip(t, "")
	data := fill(t, c, pageSize, 3)
	mustCall(t, c, "EX")
	t0 := start(t, c, "RP", 0, dataA, pageSize)
	b := c.Bus(0)
	pageTime := pageTime(c)
	sent := 261 * spiByte(c) // WREN, 02h, address, 256 data bytes: /CS rises
	steps := []struct {
		at        time.Duration
		halted    bool
		flashBusy bool
	}{
		{0, false, false},
		{sent - time.Microsecond, false, false},
		{sent + time.Microsecond, false, true},
		{pageTime - time.Microsecond, false, false}, // the last status poll
		{pageTime, true, false},
		{pageTime + time.Millisecond, true, false},
	}
	for _, s := range steps {
		c.clk.AdvanceTo(t0 + s.at)
		st := rd(t, b, dhcsr)
		if got := st&sHalt != 0; got != s.halted {
			t.Fatalf("at +%v: S_HALT=%v, want %v", s.at, got, s.halted)
		}
		if !s.halted && st&sRetire == 0 {
			t.Fatalf("at +%v: running core without S_RETIRE_ST", s.at)
		}
		if s.halted != c.Core(0).Halted() || s.halted == c.Core(0).Running() {
			t.Fatalf("at +%v: Core says halted=%v running=%v", s.at, c.Core(0).Halted(), c.Core(0).Running())
		}
		if got := c.Flash().Busy(); got != s.flashBusy {
			t.Fatalf("at +%v: flash busy=%v, want %v", s.at, got, s.flashBusy)
		}
	}
	if !bytes.Equal(c.Flash().Contents()[:pageSize], data) {
		t.Fatal("the page is not in the flash")
	}
	if pc := regPC(t, c); pc != bkptA {
		t.Fatalf("halted at %#x, want the BKPT %#x", pc, bkptA)
	}
	if got := rd(t, b, dfsr); got != uint32(1<<1) {
		t.Fatalf("DFSR %#x, want BKPT only", got)
	}
	if got := c.ReturnedAt(0) - t0; got != pageTime {
		t.Fatalf("returned after %v, want %v", got, pageTime)
	}
}

// TestQuickCallsReturnAtOnce: table_lookup and the bit functions halt at
// the BKPT inside the resume, with r0 set.
func TestQuickCallsReturnAtOnce(t *testing.T) {
	c := newChip(t, "")
	ft, _, _ := c.Bus(0).Read(0x14, 2)
	tl, _, _ := c.Bus(0).Read(0x18, 2)
	cases := []struct {
		name string
		pc   uint32
		args []uint32
		want uint32
	}{
		{"table_lookup RP", tl, []uint32{ft, uint32('R') | uint32('P')<<8}, entry(fnRangeProgram) | 1},
		{"popcount32", lookup(t, c, "P3"), []uint32{0xFF}, 8},
		{"clz32", lookup(t, c, "L3"), []uint32{1}, 31},
	}
	for _, tc := range cases {
		b := c.Bus(0)
		wr(t, b, dhcsr, 0xA05F0003)
		regs := map[int]uint32{14: bkptA | 1, 15: tc.pc &^ 1, 16: 1 << 24}
		for i, a := range tc.args {
			regs[i] = a
		}
		for n, v := range regs {
			wr(t, b, dcrdr, v)
			wr(t, b, dcrsr, uint32(n)|1<<16)
		}
		t0 := c.clk.Now()
		wr(t, b, dhcsr, 0xA05F0001)
		if rd(t, b, dhcsr)&sHalt == 0 || c.clk.Now() != t0 {
			t.Fatalf("%s: not halted at once", tc.name)
		}
		wr(t, b, dcrsr, 0)
		if r0 := rd(t, b, dcrdr); r0 != tc.want {
			t.Errorf("%s: r0=%#x, want %#x", tc.name, r0, tc.want)
		}
	}
}

// TestStagingOverlapsProgramming is a double-buffering host: RP programs
// block N from buffer A while the host writes block N+1 into buffer B
// word by word, its link taking `transfer` in all. The pair takes
// max(transfer, flash), not the sum; B arrives intact and the flash holds
// A. Writing into A's pages not yet sent is what the ROM then programs,
// as on silicon: it reads each byte when it sends it.
func TestStagingOverlapsProgramming(t *testing.T) {
	const block = 16 * pageSize
	flash := 16 * pageTime(newChip(t, ""))
	cases := []struct {
		name     string
		transfer time.Duration
		into     uint32 // buffer the host writes
	}{
		{"link faster than flash", flash / 3, dataB},
		{"link slower than flash", flash * 2, dataB},
		{"into the buffer being programmed", flash / 3, dataA},
	}
	for _, tc := range cases {
		c := newChip(t, "")
		a := fill(t, c, block, 1)
		next := make([]byte, block)
		for i := range next {
			next[i] = byte(i*13) ^ 0x5A
		}
		mustCall(t, c, "EX")
		t0 := start(t, c, "RP", 0, dataA, block)
		b := c.Bus(0)
		perWord := tc.transfer / (block / 4)
		for i := 0; i < block; i += 4 {
			w := uint32(next[i]) | uint32(next[i+1])<<8 | uint32(next[i+2])<<16 | uint32(next[i+3])<<24
			wr(t, b, tc.into+uint32(i), w)
			c.clk.Advance(perWord)
		}
		if !waitHalt(t, c, 0) {
			t.Fatalf("%s: RP never returned", tc.name)
		}
		total := c.clk.Now() - t0
		want := max(perWord*(block/4), flash)
		if total < want || total > want+pollStep {
			t.Errorf("%s: took %v, want max(transfer, flash) = %v (sum %v)", tc.name, total, want, tc.transfer+flash)
		}
		got := c.SRAM()[tc.into-SRAMBase:][:block]
		if !bytes.Equal(got, next) {
			t.Errorf("%s: staged block damaged", tc.name)
		}
		m := c.Flash().Contents()[:block]
		if tc.into == dataB && !bytes.Equal(m, a) {
			t.Errorf("%s: flash does not hold block N", tc.name)
		}
		if tc.into == dataA && (bytes.Equal(m, a) || !bytes.Equal(m[block-pageSize:], next[block-pageSize:])) {
			t.Errorf("%s: the last page should hold what the host wrote before the ROM sent it", tc.name)
		}
	}
}

// TestHaltMidCall: C_HALT stops the core inside the ROM function (PC in
// the ROM, DFSR.HALTED, not BKPT); the erase the flash was given carries
// on and ends at its own time while the core stays halted. Resuming at
// that PC carries the function on to its BKPT; resuming elsewhere
// abandons it and the core just runs.
func TestHaltMidCall(t *testing.T) {
	cases := []struct {
		name     string
		resumeAt func(mid uint32) uint32
		returns  bool
	}{
		{"resume where it stopped", func(mid uint32) uint32 { return mid }, true},
		{"resume elsewhere", func(uint32) uint32 { return 0x20000100 }, false},
	}
	for _, tc := range cases {
		c := newChip(t, "")
		clear(c.Flash().Contents()[:2*sectorSize])
		mustCall(t, c, "EX")
		t0 := start(t, c, "RE", 0, 2*sectorSize, 1<<16, 0xD8)
		b := c.Bus(0)
		c.clk.AdvanceTo(t0 + 10*time.Millisecond)
		wr(t, b, dhcsr, 0xA05F0003)
		if rd(t, b, dhcsr)&sHalt == 0 {
			t.Fatalf("%s: C_HALT did not halt", tc.name)
		}
		mid := regPC(t, c)
		if mid >= ROMSize || mid == bkptA {
			t.Fatalf("%s: halted at %#x, want inside the ROM function", tc.name, mid)
		}
		if got := rd(t, b, dfsr); got != 1 {
			t.Fatalf("%s: DFSR %#x, want HALTED", tc.name, got)
		}
		if !c.Flash().Busy() {
			t.Fatalf("%s: the sector erase stopped with the core", tc.name)
		}
		c.clk.AdvanceTo(t0 + 200*time.Millisecond)
		m := c.Flash().Contents()
		if c.Flash().Busy() || m[0] != 0xFF || m[sectorSize] != 0 {
			t.Fatalf("%s: want the first sector erased on its own and the second untouched", tc.name)
		}
		if rd(t, b, dhcsr)&sHalt == 0 || regPC(t, c) != mid {
			t.Fatalf("%s: core left the halt by itself", tc.name)
		}
		wr(t, b, dcrdr, tc.resumeAt(mid))
		wr(t, b, dcrsr, 15|1<<16)
		r := c.clk.Now()
		wr(t, b, dhcsr, 0xA05F0001)
		if got := waitHalt(t, c, 0); got != tc.returns {
			t.Fatalf("%s: returned=%v, want %v", tc.name, got, tc.returns)
		}
		if !tc.returns {
			if m[sectorSize] != 0 {
				t.Errorf("%s: an abandoned call went on erasing", tc.name)
			}
			continue
		}
		if m[sectorSize] != 0xFF || regPC(t, c) != bkptA {
			t.Errorf("%s: resumed call did not finish the second sector at the BKPT", tc.name)
		}
		// The core's remaining work: the status poll, then the second
		// erase; the first erase's time went by while it was halted.
		erase := w25q.TimeSectorErase + 12*spiByte(c)
		if got := c.ReturnedAt(0) - r; got < w25q.TimeSectorErase || got > erase {
			t.Errorf("%s: returned %v after the resume, want the second sector's time (about %v)", tc.name, got, erase)
		}
	}
}

// TestDebuggerAndTheBusyFlashSide: while RP runs, SRAM and the SSI's
// configuration read normally and XIP reads fail (flash_exit_xip took the
// SSI out of XIP mode); taking a byte from DR0 or writing SS_CTRL breaks
// the ROM's FIFO accounting: the call never returns.
func TestDebuggerAndTheBusyFlashSide(t *testing.T) {
	cases := []struct {
		name    string
		touch   func(t *testing.T, b hw.Bus)
		returns bool
	}{
		{"SRAM and SSI config reads", func(t *testing.T, b hw.Bus) {
			if v := rd(t, b, SSIBase+0x08); v != 1 {
				t.Errorf("SSIENR %d during the call, want 1", v)
			}
			if v := rd(t, b, SSIBase+0x14); v != 6 {
				t.Errorf("BAUDR %d during the call, want 6", v)
			}
			rd(t, b, dataA)
		}, true},
		{"XIP read", func(t *testing.T, b hw.Bus) {
			if _, _, err := b.Read(XIPBase, 4); !errors.Is(err, hw.ErrBusFault) {
				t.Errorf("XIP read during the call: %v, want a bus fault", err)
			}
		}, true},
		{"DR0 read", func(t *testing.T, b hw.Bus) { rd(t, b, SSIBase+0x60) }, false},
		{"SS_CTRL write", func(t *testing.T, b hw.Bus) { wr(t, b, 0x4001800C, 3<<8) }, false},
	}
	for _, tc := range cases {
		c := newChip(t, "")
		fill(t, c, 4*pageSize, 7)
		mustCall(t, c, "EX")
		t0 := start(t, c, "RP", 0, dataA, 4*pageSize)
		c.clk.AdvanceTo(t0 + pageTime(c) + pageTime(c)/2)
		tc.touch(t, c.Bus(0))
		if got := waitHalt(t, c, 0); got != tc.returns {
			t.Errorf("%s: returned=%v, want %v", tc.name, got, tc.returns)
		}
	}
}
