package stm32f1

import (
	"errors"
	"testing"

	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// TestLockedRefusesDebugger: with RDP loaded, the debugger cannot read or
// program main flash nor erase a page, but can mass erase (PM0075 §2.4.1).
func TestLockedRefusesDebugger(t *testing.T) {
	d := newDbg(t, Config{Locked: true})
	if !d.c.Locked() {
		t.Fatal("locked chip reports unlocked")
	}
	if _, err := d.Rd(FlashBase, 4); !errors.Is(err, hw.ErrBusFault) {
		t.Fatalf("protected flash read: err=%v", err)
	}
	d.unlock()
	d.W32(FPECBase+regCR, crPG)
	if err := d.Wr(FlashBase, 2, 0x1234); err != nil {
		t.Fatal(err)
	}
	if sr := d.sr(); sr != srWRPRTERR {
		t.Fatalf("program under RDP: SR=%#x want WRPRTERR", sr)
	}
	d.W32(FPECBase+regSR, srWRPRTERR)
	d.pageErase(FlashBase)
	if sr := d.sr(); sr != srWRPRTERR {
		t.Fatalf("page erase under RDP: SR=%#x want WRPRTERR", sr)
	}
	if got := d.c.ReadFlash(0, 2); got[0] != 0xFF || got[1] != 0xFF {
		t.Fatalf("flash changed: % x", got)
	}
	d.W32(FPECBase+regSR, srWRPRTERR)
	d.W32(FPECBase+regCR, crMER)
	d.W32(FPECBase+regCR, crMER|crSTRT)
	d.waitBSY()
	if sr := d.sr(); sr != srEOP {
		t.Fatalf("mass erase under RDP: SR=%#x want EOP", sr)
	}
}

// TestRDPRemoval follows PM0075 §2.4.1 / §2.5: option erase, program RDP
// 0x00A5 → the main flash is mass-erased; the chip stays protected until a
// reset reloads the option bytes.
func TestRDPRemoval(t *testing.T) {
	d := newDbg(t, Config{})
	d.unlock()
	d.program(FlashBase, 0xBEEF)
	// Lock: option erase, RDP stays erased (0xFF = protected), reset.
	d.unlockOptions()
	if d.R32(FPECBase+regCR)&crOPTWRE == 0 {
		t.Fatal("OPTWRE not set by the option key sequence")
	}
	d.W32(FPECBase+regCR, crOPTER|crOPTWRE)
	d.W32(FPECBase+regCR, crOPTER|crSTRT|crOPTWRE)
	d.waitBSY()
	if d.c.Locked() {
		t.Fatal("RDP took effect before reset")
	}
	d.pulseReset()
	if !d.c.Locked() || d.R32(FPECBase+regOBR)&2 == 0 {
		t.Fatal("erased RDP did not protect after reset")
	}
	if d.c.ReadFlash(0, 1)[0] != 0xEF {
		t.Fatal("locking erased flash")
	}
	// Unlock: option erase, RDP = 0x00A5.
	d.unlock()
	d.unlockOptions()
	d.W32(FPECBase+regCR, crOPTER|crOPTWRE)
	d.W32(FPECBase+regCR, crOPTER|crSTRT|crOPTWRE)
	d.waitBSY()
	d.W32(FPECBase+regCR, crOPTPG|crOPTWRE)
	if err := d.Wr(OptionBase, 2, 0x00A5); err != nil {
		t.Fatal(err)
	}
	if busy := d.waitBSY(); busy < EraseTime {
		t.Fatalf("RDP removal took %v, want a mass erase", busy)
	}
	if got := d.R32(OptionBase) & 0xFFFF; got != 0x5AA5 {
		t.Fatalf("RDP halfword %#x want 0x5AA5", got)
	}
	if d.c.ReadFlash(0, 1)[0] != 0xFF {
		t.Fatal("RDP removal did not mass-erase flash")
	}
	if !d.c.Locked() {
		t.Fatal("RDP removal took effect before reset")
	}
	// A system reset through AIRCR reloads the options too.
	d.W32(0xE000ED0C, 0x05FA0004)
	if d.c.Locked() {
		t.Fatal("still locked after reset")
	}
	if d.R32(FlashBase) != 0xFFFFFFFF {
		t.Fatal("flash not readable after unlock")
	}
}

// TestPowerCycleKeepsFlash: flash and option bytes survive power-off; SRAM
// does not; the debug port is dead while off.
func TestPowerCycleKeepsFlash(t *testing.T) {
	d := newDbg(t, Config{})
	d.unlock()
	d.program(FlashBase, 0x4242)
	d.W32(SRAMBase, 0x12345678)
	d.c.SetPower(false)
	if _, err := d.Rd(FlashBase, 4); err == nil || d.c.Voltage() != 0 {
		t.Fatal("powered-off chip answered")
	}
	d.c.SetPower(true)
	if d.R32(FlashBase)&0xFFFF != 0x4242 || d.R32(SRAMBase) != 0 {
		t.Fatal("power cycle: flash lost or SRAM kept")
	}
	if d.R32(FPECBase+regCR)&crLOCK == 0 {
		t.Fatal("FPEC unlocked after power cycle")
	}
}
