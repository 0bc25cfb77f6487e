package stm32f1

import (
	"testing"

	"github.com/flashstation/flashstation/drivers/sim/chip/cortexm"
	"github.com/flashstation/flashstation/drivers/sim/chip/stm32x/stm32xtest"
)

// Firmware used by the boot tests: initial SP and a Thumb reset handler.
const (
	fwSP    = 0x20005000
	fwReset = 0x08000100
)

func (d *dbg) connect()             { stm32xtest.Connect(d.c.DebugPorts()[0]) }
func (d *dbg) bootedFirmware() bool { return stm32xtest.Booted(d.c.Core(), fwSP, fwReset) }
func (d *dbg) lockedUp() bool       { return d.LockedUp(d.c.Core()) }

// TestLockedBootNeedsPowerCycle: RDP set while a debugger is connected
// takes effect at the system reset, and from then on the CPU's vector
// fetch from flash is a bus error: the core locks up instead of booting
// (PM0075 §2.4.1). Only a power-on reset without a debugger boots it.
func TestLockedBootNeedsPowerCycle(t *testing.T) {
	d := newDbg(t, Config{})
	d.connect()
	d.unlock()
	d.program(FlashBase, fwSP&0xFFFF, fwSP>>16, (fwReset|1)&0xFFFF, fwReset>>16)
	d.W32(0xE000ED0C, 0x05FA0004) // SYSRESETREQ
	if !d.bootedFirmware() {
		t.Fatal("open chip with a debugger did not boot its firmware")
	}
	// Lock: option erase leaves RDP erased (protected); system reset.
	d.unlock()
	d.unlockOptions()
	d.W32(FPECBase+regCR, crOPTER|crOPTWRE)
	d.W32(FPECBase+regCR, crOPTER|crSTRT|crOPTWRE)
	d.waitBSY()
	d.W32(0xE000ED0C, 0x05FA0004)
	if !d.c.Locked() {
		t.Fatal("not locked after reset")
	}
	if !d.lockedUp() {
		t.Fatalf("locked chip ran after a system reset with the debugger connected: PC=%#x", d.c.Core().Reg(cortexm.RegPC))
	}
	d.pulseReset() // nRESET is a system reset too
	if !d.lockedUp() {
		t.Fatal("nRESET cleared the debug connection")
	}
	d.c.SetPower(false)
	d.c.SetPower(true)
	if !d.bootedFirmware() {
		t.Fatalf("locked chip did not boot after a power cycle: PC=%#x", d.c.Core().Reg(cortexm.RegPC))
	}
	// A debugger attaching now cuts the running firmware off its flash.
	d.connect()
	if !d.lockedUp() {
		t.Fatal("firmware kept running from protected flash with a debugger attached")
	}
}
