package stm32f4

import (
	"testing"

	"github.com/flashstation/flashstation/drivers/sim/chip/cortexm"
	"github.com/flashstation/flashstation/drivers/sim/chip/stm32x/stm32xtest"
)

// Firmware used by the boot tests: initial SP and a Thumb reset handler.
const (
	fwSP    = 0x20020000
	fwReset = 0x08000200
)

func (d *dbg) connect()             { stm32xtest.Connect(d.c.DebugPorts()[0]) }
func (d *dbg) bootedFirmware() bool { return stm32xtest.Booted(d.c.Core(), fwSP, fwReset) }
func (d *dbg) lockedUp() bool       { return d.LockedUp(d.c.Core()) }

func (d *dbg) setRDP(rdp uint32) {
	d.unlockOptions()
	v := uint32(optReset&^0xFF00 | rdp<<8)
	d.W32(FlashIF+regOPTCR, v)
	d.W32(FlashIF+regOPTCR, v|optSTRT)
	d.waitBSY()
	d.W32(0xE000ED0C, 0x05FA0004) // SYSRESETREQ loads it
}

// TestLevel1BootNeedsPowerCycle: with a debugger connected since power-on,
// level 1 makes the CPU's vector fetch from flash a bus error, so after the
// system reset that loads it the core locks up; a power-on reset without a
// debugger boots the firmware (RM0383 §3.6.3).
func TestLevel1BootNeedsPowerCycle(t *testing.T) {
	d := newDbg(t, false)
	d.connect()
	d.unlock()
	d.W32(FlashIF+regCR, crPG|2<<8)
	d.W32(FlashBase, fwSP)
	d.waitBSY()
	d.W32(FlashBase+4, fwReset|1)
	d.waitBSY()
	d.W32(0xE000ED0C, 0x05FA0004)
	if !d.bootedFirmware() {
		t.Fatal("level 0 chip with a debugger did not boot its firmware")
	}
	d.setRDP(0x00)
	if d.c.Level() != 1 {
		t.Fatalf("level %d after reset", d.c.Level())
	}
	if !d.lockedUp() {
		t.Fatalf("level 1 chip ran after a system reset with the debugger connected: PC=%#x", d.c.Core().Reg(cortexm.RegPC))
	}
	d.c.SetPower(false)
	d.c.SetPower(true)
	if !d.bootedFirmware() {
		t.Fatalf("level 1 chip did not boot after a power cycle: PC=%#x", d.c.Core().Reg(cortexm.RegPC))
	}
	d.connect()
	if !d.lockedUp() {
		t.Fatal("firmware kept running from protected flash with a debugger attached")
	}
}

// TestLevel2Boots: at level 2 the debug port is fused off, so the CPU
// boots its flash even after a debugger was connected at level 0.
func TestLevel2Boots(t *testing.T) {
	d := newDbg(t, false)
	d.connect()
	d.unlock()
	d.W32(FlashIF+regCR, crPG|2<<8)
	d.W32(FlashBase, fwSP)
	d.waitBSY()
	d.W32(FlashBase+4, fwReset|1)
	d.waitBSY()
	d.setRDP(0xCC)
	if d.c.Level() != 2 || !d.bootedFirmware() {
		t.Fatalf("level %d: firmware not running", d.c.Level())
	}
}
