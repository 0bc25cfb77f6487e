package stm32f4

import (
	"errors"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/hw"
)

func (d *dbg) unlockOptions() {
	d.W32(FlashIF+regOPTKEYR, OptKey1)
	d.W32(FlashIF+regOPTKEYR, OptKey2)
	if d.R32(FlashIF+regOPTCR)&optLOCK != 0 {
		d.T.Fatal("OPTLOCK still set")
	}
}

func TestLevel1Refuses(t *testing.T) {
	d := newDbg(t, true)
	if !d.c.Locked() || d.c.Level() != 1 {
		t.Fatal("locked chip not at level 1")
	}
	if _, err := d.Rd(FlashBase, 4); !errors.Is(err, hw.ErrBusFault) {
		t.Fatalf("level 1 flash read: %v", err)
	}
	d.unlock()
	steps := []uint32{crPG | 2<<8, crSER | 2<<3 | crSTRT, crMER, crMER | crSTRT}
	d.W32(FlashIF+regCR, steps[0])
	d.W32(FlashBase, 0)
	for _, s := range steps[1:] {
		d.W32(FlashIF+regCR, s)
	}
	if d.sr() != srWRPERR || d.c.ReadFlash(0, 1)[0] != 0xFF {
		t.Fatalf("level 1 program/erase: SR=%#x", d.sr())
	}
}

func TestRDPRegressionMassErases(t *testing.T) {
	d := newDbg(t, false)
	d.unlock()
	d.W32(FlashIF+regCR, crPG|2<<8)
	d.W32(FlashBase+0x70000, 0x11223344)
	d.waitBSY()
	// Level 0 → 1: no erase, effective after reset.
	d.unlockOptions()
	d.W32(FlashIF+regOPTCR, optReset&^0xFF00)
	d.W32(FlashIF+regOPTCR, optReset&^0xFF00|optSTRT)
	if busy := d.waitBSY(); busy > OptionTime+time.Millisecond {
		t.Fatalf("level 0→1 took %v", busy)
	}
	if d.c.Locked() {
		t.Fatal("level 1 before reset")
	}
	d.c.SetReset(true)
	d.c.SetReset(false)
	if d.c.Level() != 1 || d.c.ReadFlash(0x70000, 1)[0] != 0x44 {
		t.Fatal("level 1 after reset, flash kept: failed")
	}
	// Level 1 → 0 mass-erases, taking mass-erase time.
	d.unlockOptions()
	d.W32(FlashIF+regOPTCR, optReset)
	d.W32(FlashIF+regOPTCR, optReset|optSTRT)
	if busy := d.waitBSY(); busy < MassEraseTime {
		t.Fatalf("level 1→0 took %v, want ≥ %v", busy, MassEraseTime)
	}
	if d.c.ReadFlash(0x70000, 1)[0] != 0xFF {
		t.Fatal("level 1→0 did not erase the flash")
	}
	d.W32(0xE000ED0C, 0x05FA0004)
	if d.c.Locked() || d.R32(FlashBase+0x70000) != 0xFFFFFFFF {
		t.Fatal("not level 0 after reset")
	}
}

func TestOptionReloadAtReset(t *testing.T) {
	d := newDbg(t, false)
	d.unlockOptions()
	d.W32(FlashIF+regOPTCR, optReset&^(1<<17)) // protect sector 1, no OPTSTRT
	if got := d.R32(FlashIF + regOPTCR); got != optReset&^(1<<17) {
		t.Fatalf("OPTCR %#x", got)
	}
	d.c.SetReset(true)
	d.c.SetReset(false)
	if got := d.R32(FlashIF + regOPTCR); got != optReset|optLOCK {
		t.Fatalf("OPTCR after reset %#x, want the stored options", got)
	}
}

func TestLevel2CutsDebugOff(t *testing.T) {
	d := newDbg(t, false)
	d.unlockOptions()
	v := uint32(optReset&^0xFF00 | 0xCC00)
	d.W32(FlashIF+regOPTCR, v|optSTRT)
	d.waitBSY()
	d.c.SetReset(true)
	d.c.SetReset(false)
	blocked := d.c.DebugPorts()[0].APs[0].Mem.Blocked
	if d.c.Level() != 2 || blocked == nil || !blocked() {
		t.Fatal("level 2 did not block the debugger")
	}
}
