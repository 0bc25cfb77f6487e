package stm32h7

import (
	"errors"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/stm32x/stm32xtest"
	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// dbg drives the chip as a debugger following RM0433 §4 and §23.
type dbg struct {
	stm32xtest.Debugger
	c *Chip
}

func newDbg(t *testing.T, locked bool) *dbg {
	t.Helper()
	clk := &clock.Clock{}
	c, err := New(Config{Variant: "stm32h750vb", Locked: locked, Seed: 9, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return &dbg{Debugger: stm32xtest.Debugger{T: t, Bus: c.Bus(), Clk: clk}, c: c}
}

func (d *dbg) unlock() {
	d.W32(FlashRegs+regKEYR1, Key1)
	d.W32(FlashRegs+regKEYR1, Key2)
}

func (d *dbg) sr() uint32 { return d.R32(FlashRegs + regSR1) }

func (d *dbg) waitBSY() time.Duration {
	d.T.Helper()
	return d.WaitBSY(FlashRegs+regSR1, srQW, time.Millisecond, 30*time.Second)
}

// program writes one 256-bit flash word as eight 32-bit writes.
func (d *dbg) program(off uint32, w [8]uint32) {
	for i, v := range w {
		d.W32(FlashBase+off+uint32(4*i), v)
	}
}

func TestIdentity(t *testing.T) {
	d := newDbg(t, false)
	for _, tc := range []struct{ addr, want uint32 }{
		{DBGMCUAddr, 0x20036450}, // OpenOCD "address: 0x5c001000, value: 0x20036450"
		{SysInfo + 0x80, 0xFFFF0080},
		{0xE000ED00, 0x411FC271},
		{FlashRegs + regCR1, 0x31},
		{FlashRegs + regOPTSRCur, 0x0006AAD0},
		{FlashRegs + regBOOTCur, 0x1FF00800},
		{ROMBase, 0x00001003},
		{ROMBase + 0xFE0, 0x50}, // part 0x450, ST
		{ROMBase + 0xFE4, 0x04},
		{0xE00FF000 + 0xFE0, 0xC7}, // the M7 ROM table: part 0x4C7
		{0xE00FF010, 0xFFF41002},   // no TPIU in the M7 table
		{0xE0041FE0, 0x75},         // ETM-M7 part 0x975
		{0xE0043FE0, 0x06},         // CTI part 0x906
		{0xE0002000, 0x00000080},   // FP_CTRL: 8 code comparators, none literal
	} {
		if got := d.R32(tc.addr); got != tc.want {
			t.Errorf("%#x = %#x want %#x", tc.addr, got, tc.want)
		}
	}
	dp := d.c.DebugPorts()[0]
	if dp.DPIDR != 0x6BA02477 || dp.Version != 2 || dp.TargetID != 0x04500041 || len(dp.APs) != 3 {
		t.Fatalf("debug port %+v", dp)
	}
	for i, want := range []uint32{0x84770001, 0x84770001, 0x54770002} {
		if got := dp.APs[i].Mem.IDR; got != want {
			t.Errorf("AP%d IDR %#x want %#x", i, got, want)
		}
	}
	// AP2 sees DBGMCU at 0xE00E1000; AP1 the D3 domain, not AXI SRAM.
	if v, _, err := dp.APs[2].Mem.Bus.Read(DBGMCUAPB, 4); err != nil || v != IDCODE {
		t.Errorf("AP2 DBGMCU: %#x %v", v, err)
	}
	if _, _, err := dp.APs[1].Mem.Bus.Read(AXIBase, 4); !errors.Is(err, hw.ErrBusFault) {
		t.Errorf("AP1 read AXI SRAM: %v", err)
	}
	if _, _, err := dp.APs[1].Mem.Bus.Read(SRAM4Base, 4); err != nil {
		t.Errorf("AP1 read SRAM4: %v", err)
	}
}

func TestProgramFlashWord(t *testing.T) {
	d := newDbg(t, false)
	d.W32(FlashBase, 1) // locked, PG clear
	if d.sr()&srPGSERR == 0 || d.c.ReadFlash(0, 1)[0] != 0xFF {
		t.Fatalf("write without PG1: SR %#x", d.sr())
	}
	d.W32(FlashRegs+regCCR1, srFlags)
	d.unlock()
	d.W32(FlashRegs+regCR1, crPG|3<<4)
	d.W32(FlashBase+0x40, 0x11111111)
	if d.sr()&srWBNE == 0 {
		t.Fatalf("a partial flash word: SR %#x, want WBNE1", d.sr())
	}
	for i := uint32(1); i < 8; i++ {
		d.W32(FlashBase+0x40+4*i, 0x11111111*(i+1))
	}
	if d.sr()&srQW == 0 {
		t.Fatalf("a full flash word did not start programming: SR %#x", d.sr())
	}
	if busy := d.waitBSY(); busy < 90*time.Microsecond || busy > 2*time.Millisecond {
		t.Errorf("x64 word program took %v, want about 100 µs", busy)
	}
	if d.sr()&srEOP == 0 || d.R32(FlashBase+0x5C) != 0x88888888 {
		t.Errorf("after program: SR %#x, word %#x", d.sr(), d.R32(FlashBase+0x5C))
	}
	// Errors: a second word started before the first is complete
	// (INCERR1), the same byte twice in a buffer (STRBERR1).
	d.W32(FlashBase+0x80, 0)
	d.W32(FlashBase+0xA0, 0)
	if d.sr()&srINCERR == 0 {
		t.Errorf("writes to two flash words: SR %#x, want INCERR1", d.sr())
	}
	d.W32(FlashBase+0xC0, 0)
	d.W32(FlashBase+0xC0, 0)
	if d.sr()&srSTRBERR == 0 {
		t.Errorf("the same word twice: SR %#x, want STRBERR1", d.sr())
	}
	d.W32(FlashRegs+regCCR1, srFlags)
	// FW1 forces a partial word out.
	d.W32(FlashBase+0x100, 0x12345678)
	d.W32(FlashRegs+regCR1, crPG|3<<4|crFW)
	d.waitBSY()
	if d.R32(FlashBase+0x100) != 0x12345678 || d.R32(FlashBase+0x104) != 0xFFFFFFFF {
		t.Errorf("forced write: %#x %#x", d.R32(FlashBase+0x100), d.R32(FlashBase+0x104))
	}
}

// A flash word programmed twice with other data fails its ECC check: the
// read is a bus error with DBECCERR1 and the word's index in ECC_FA1R.
func TestProgramTwiceBreaksECC(t *testing.T) {
	d := newDbg(t, false)
	d.unlock()
	d.W32(FlashRegs+regCR1, crPG|3<<4)
	d.program(0x200, [8]uint32{0xF0F0F0F0, 1, 2, 3, 4, 5, 6, 7})
	d.waitBSY()
	d.program(0x200, [8]uint32{0xF0F0F0F0, 1, 2, 3, 4, 5, 6, 7}) // same data: ECC unchanged
	d.waitBSY()
	if _, err := d.Rd(FlashBase+0x200, 4); err != nil {
		t.Fatalf("word programmed twice with the same data: %v", err)
	}
	d.program(0x200, [8]uint32{0x00F0F0F0, 1, 2, 3, 4, 5, 6, 7})
	d.waitBSY()
	if _, err := d.Rd(FlashBase+0x204, 4); !errors.Is(err, hw.ErrBusFault) {
		t.Fatalf("read of a word programmed twice: %v", err)
	}
	if d.sr()&srDBECCERR == 0 || d.R32(FlashRegs+regECCFA1R) != 0x200/32 {
		t.Errorf("SR %#x ECC_FA1R %#x", d.sr(), d.R32(FlashRegs+regECCFA1R))
	}
	// All zeros over programmed data is allowed (its ECC is zero).
	d.program(0x240, [8]uint32{5, 5, 5, 5, 5, 5, 5, 5})
	d.waitBSY()
	d.program(0x240, [8]uint32{})
	d.waitBSY()
	if v, err := d.Rd(FlashBase+0x240, 4); err != nil || v != 0 {
		t.Errorf("zeros over data: %#x %v", v, err)
	}
	// A sector erase clears it all.
	d.W32(FlashRegs+regCR1, crSER|3<<4)
	d.W32(FlashRegs+regCR1, crSER|3<<4|crSTART)
	if busy := d.waitBSY(); busy < 900*time.Millisecond || busy > 1200*time.Millisecond {
		t.Errorf("128 KiB sector erase (x64) took %v, want about 1 s", busy)
	}
	if v, err := d.Rd(FlashBase+0x204, 4); err != nil || v != 0xFFFFFFFF {
		t.Errorf("after erase: %#x %v", v, err)
	}
}

func TestWrongKeyLocksOut(t *testing.T) {
	d := newDbg(t, false)
	if err := d.Wr(FlashRegs+regKEYR1, 4, 0x1234); !errors.Is(err, hw.ErrBusFault) {
		t.Fatalf("wrong key: %v", err)
	}
	d.unlockNoCheck()
	if d.R32(FlashRegs+regCR1)&crLOCK == 0 {
		t.Error("CR1 unlocked after a wrong key, before reset")
	}
	d.c.SetReset(true)
	d.c.SetReset(false)
	d.unlock()
	if d.R32(FlashRegs+regCR1)&crLOCK != 0 {
		t.Error("CR1 still locked after reset and the right keys")
	}
}

func (d *dbg) unlockNoCheck() {
	d.Wr(FlashRegs+regKEYR1, 4, Key1)
	d.Wr(FlashRegs+regKEYR1, 4, Key2)
}

func (d *dbg) unlockOptions() {
	d.W32(FlashRegs+regOPTKEYR, OptKey1)
	d.W32(FlashRegs+regOPTKEYR, OptKey2)
	if d.R32(FlashRegs+regOPTCR)&optcrLOCK != 0 {
		d.T.Fatal("OPTLOCK still set")
	}
}

func (d *dbg) setRDP(rdp uint32) time.Duration {
	d.unlockOptions()
	d.W32(FlashRegs+regOPTSRPrg, d.R32(FlashRegs+regOPTSRCur)&^optRDP|rdp<<8)
	d.W32(FlashRegs+regOPTCR, optcrSTART)
	start := d.Clk.Now()
	for d.R32(FlashRegs+regOPTSRCur)&optBUSY != 0 {
		d.Clk.Advance(time.Millisecond)
		if d.Clk.Now()-start > 30*time.Second {
			d.T.Fatal("OPT_BUSY stuck")
		}
	}
	return d.Clk.Now() - start
}

func TestRDPLevels(t *testing.T) {
	d := newDbg(t, true)
	if d.c.Level() != 1 {
		t.Fatal("locked chip not at level 1")
	}
	if _, err := d.Rd(FlashBase, 4); !errors.Is(err, hw.ErrBusFault) {
		t.Fatalf("level 1 flash read: %v", err)
	}
	d.unlock()
	d.W32(FlashRegs+regCR1, crSER|3<<4|crSTART)
	if d.sr()&srWRPERR == 0 {
		t.Errorf("level 1 sector erase: SR %#x", d.sr())
	}
	// Regression to level 0 erases the bank: bank erase time, blank flash.
	if took := d.setRDP(0xAA); took < bankTime[3] {
		t.Errorf("level 1 -> 0 took %v, want the bank erase %v", took, bankTime[3])
	}
	if d.c.Level() != 0 || d.R32(FlashBase) != 0xFFFFFFFF {
		t.Fatalf("after regression: level %d, flash %#x", d.c.Level(), d.R32(FlashBase))
	}
	// Program, then 0 -> 1 keeps the data (no erase), 1 -> 0 erases it.
	d.W32(FlashRegs+regCR1, crPG|3<<4)
	d.program(0, [8]uint32{0x24080000, 0x08000199})
	d.waitBSY()
	if took := d.setRDP(0xBB); took > time.Millisecond {
		t.Errorf("level 0 -> 1 took %v", took)
	}
	if d.c.ReadFlash(0, 4)[0] != 0x00 || d.c.Level() != 1 {
		t.Errorf("level 0 -> 1: level %d, flash % X", d.c.Level(), d.c.ReadFlash(0, 4))
	}
	d.setRDP(0xAA)
	if d.c.ReadFlash(0, 4)[3] != 0xFF {
		t.Errorf("regression left the flash: % X", d.c.ReadFlash(0, 4))
	}
	// Level 2 is final.
	d.setRDP(0xCC)
	if d.c.Level() != 2 {
		t.Fatal("not at level 2")
	}
	if _, _, err := d.c.DebugPorts()[0].APs[0].Mem.Bus.Read(FlashRegs, 4); err != nil {
		t.Fatal(err) // Blocked is the AP's business; the bus itself still answers
	}
	d.unlockOptions()
	d.W32(FlashRegs+regOPTSRPrg, d.R32(FlashRegs+regOPTSRCur)&^optRDP|0xAA<<8)
	d.W32(FlashRegs+regOPTCR, optcrSTART)
	if d.R32(FlashRegs+regOPTSRCur)&optCHANGEERR == 0 || d.c.Level() != 2 {
		t.Errorf("leaving level 2: OPTSR %#x level %d", d.R32(FlashRegs+regOPTSRCur), d.c.Level())
	}
}
