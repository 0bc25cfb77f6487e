package stm32f4

import (
	"errors"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/stm32x/stm32xtest"
	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// dbg drives the chip as a debugger following RM0383 §3.5–3.6.
type dbg struct {
	stm32xtest.Debugger
	c *Chip
}

func newDbg(t *testing.T, locked bool) *dbg {
	t.Helper()
	clk := &clock.Clock{}
	c, err := New(Config{Variant: "stm32f411ce", Locked: locked, Seed: 7, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return &dbg{Debugger: stm32xtest.Debugger{T: t, Bus: c.Bus(), Clk: clk}, c: c}
}

func (d *dbg) unlock() {
	d.W32(FlashIF+regKEYR, Key1)
	d.W32(FlashIF+regKEYR, Key2)
}

func (d *dbg) waitBSY() time.Duration {
	d.T.Helper()
	return d.WaitBSY(FlashIF+regSR, srBSY, time.Millisecond, 10*time.Second)
}

func (d *dbg) sr() uint32 { return d.R32(FlashIF + regSR) }

func TestIdentity(t *testing.T) {
	d := newDbg(t, false)
	cases := []struct {
		addr, want uint32
	}{
		{IDCODEAddr, 0x10006431}, // OpenOCD "device id = 0x10006431"
		{0x1FFF7A20, 0x0200FFFF},
		{0xE000ED00, CPUID},
		{FlashIF + regCR, 0x80000000},
		{FlashIF + regOPTCR, 0x0FFFAAED},
		{0x1FFFC000, 0xAAEC},
	}
	for _, tc := range cases {
		if got := d.R32(tc.addr); got != tc.want {
			t.Errorf("%#x = %#x want %#x", tc.addr, got, tc.want)
		}
	}
	if dp := d.c.DebugPorts()[0]; dp.DPIDR != DPIDR || dp.APs[0].Mem.IDR != AHBAPIDR {
		t.Errorf("debug port %+v", dp)
	}
}

func TestProgramSizes(t *testing.T) {
	cases := []struct {
		name   string
		psize  uint32
		addr   uint32
		size   int
		wantSR uint32
		want   uint32
	}{
		{"x32 word", 2, FlashBase, 4, 0, 0x12345678},
		{"x32 with halfword", 2, FlashBase + 2, 2, srPGPERR | srPGAERR, 0xFFFFFFFF},
		{"x16 with word", 1, FlashBase, 4, srPGPERR, 0xFFFFFFFF},
		{"x16 halfword", 1, FlashBase, 2, 0, 0xFFFF5678},
		{"x8 byte", 0, FlashBase, 1, 0, 0xFFFFFF78},
		{"x64 from a 32-bit bus", 3, FlashBase, 4, srPGPERR, 0xFFFFFFFF},
	}
	for _, tc := range cases {
		d := newDbg(t, false)
		d.unlock()
		d.W32(FlashIF+regCR, crPG|tc.psize<<8)
		if err := d.Wr(tc.addr, tc.size, 0x12345678>>(8*(tc.addr&3))); err != nil {
			t.Fatal(err)
		}
		d.waitBSY()
		if sr := d.sr(); sr != tc.wantSR {
			t.Errorf("%s: SR=%#x want %#x", tc.name, sr, tc.wantSR)
		}
		d.W32(FlashIF+regCR, 0)
		if got := d.R32(FlashBase); got != tc.want {
			t.Errorf("%s: flash %#x want %#x", tc.name, got, tc.want)
		}
	}
}

func TestSequenceErrors(t *testing.T) {
	d := newDbg(t, false)
	d.unlock()
	d.W32(FlashIF+regSR, srW1C)
	if err := d.Wr(FlashBase, 4, 0); err != nil {
		t.Fatal(err)
	}
	if d.sr() != srPGSERR || d.R32(FlashBase) != 0xFFFFFFFF {
		t.Fatal("write without PG: want PGSERR and nothing written")
	}
	// Programming only clears bits, without an error (§3.5.4).
	d.W32(FlashIF+regSR, srW1C)
	d.W32(FlashIF+regCR, crPG|2<<8)
	d.W32(FlashBase, 0xF0F0F0F0)
	d.waitBSY()
	d.W32(FlashBase, 0xFF00FF00)
	d.waitBSY()
	if got := d.R32(FlashBase); got != 0xF000F000 || d.sr() != 0 {
		t.Fatalf("reprogram: %#x SR=%#x", got, d.sr())
	}
	// A wrong key is a bus error and locks FLASH_CR until reset.
	d2 := newDbg(t, false)
	if err := d2.Wr(FlashIF+regKEYR, 4, 0x1234); !errors.Is(err, hw.ErrBusFault) {
		t.Fatalf("wrong key: err=%v", err)
	}
	if err := d2.Wr(FlashIF+regKEYR, 4, Key1); !errors.Is(err, hw.ErrBusFault) {
		t.Fatal("key accepted after a wrong sequence")
	}
	d2.c.SetReset(true)
	d2.c.SetReset(false)
	d2.unlock()
	if d2.R32(FlashIF+regCR)&crLOCK != 0 {
		t.Fatal("not unlocked after reset")
	}
}

func TestSectorEraseSameWrite(t *testing.T) {
	for _, sn := range []int{1, 4, 7} {
		d := newDbg(t, false)
		d.unlock()
		d.W32(FlashIF+regCR, crPG|2<<8)
		for _, s := range sectors {
			d.W32(FlashBase+s.Off, 0)
			d.waitBSY()
		}
		d.W32(FlashIF+regCR, crEOPIE|crSER|uint32(sn)<<3|2<<8|crSTRT)
		if busy := d.waitBSY(); busy < sectors[sn].Erase || busy > sectors[sn].Erase+time.Millisecond {
			t.Errorf("sector %d: BSY %v want %v", sn, busy, sectors[sn].Erase)
		}
		if d.sr() != srEOP || d.R32(FlashIF+regCR)&crSTRT != 0 {
			t.Errorf("sector %d: SR=%#x CR=%#x", sn, d.sr(), d.R32(FlashIF+regCR))
		}
		for i, s := range sectors {
			want := uint32(0)
			if i == sn {
				want = 0xFFFFFFFF
			}
			if got := d.c.ReadFlash(int(s.Off), 4); got[0] != byte(want) {
				t.Errorf("erase of sector %d: sector %d reads % x", sn, i, got)
			}
		}
	}
}
