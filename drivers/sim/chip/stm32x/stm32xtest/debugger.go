// Package stm32xtest drives the simulated STM32 models from tests the way
// a debugger would: through the AHB-AP's view of the system bus, waiting
// out every stall on the chip's clock.
package stm32xtest

import (
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/cortexm"
	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// Debugger accesses Bus, advancing Clk by each access's stall.
type Debugger struct {
	T   testing.TB
	Bus hw.Bus
	Clk *clock.Clock
}

// Rd reads size bytes at a.
func (d *Debugger) Rd(a uint32, size int) (uint32, error) {
	v, stall, err := d.Bus.Read(a, size)
	d.Clk.Advance(stall)
	return v, err
}

// R32 reads a word and fails the test on a bus error.
func (d *Debugger) R32(a uint32) uint32 {
	d.T.Helper()
	v, err := d.Rd(a, 4)
	if err != nil {
		d.T.Fatalf("read %#x: %v", a, err)
	}
	return v
}

// Wr writes size bytes at a.
func (d *Debugger) Wr(a uint32, size int, v uint32) error {
	stall, err := d.Bus.Write(a, size, v)
	d.Clk.Advance(stall)
	return err
}

// W32 writes a word and fails the test on a bus error.
func (d *Debugger) W32(a, v uint32) {
	d.T.Helper()
	if err := d.Wr(a, 4, v); err != nil {
		d.T.Fatalf("write %#x: %v", a, err)
	}
}

// WaitBSY polls the status register at sr every poll of modeled time until
// the bits in bsy clear, and returns how long they stayed set. It fails
// the test once limit has passed.
func (d *Debugger) WaitBSY(sr, bsy uint32, poll, limit time.Duration) time.Duration {
	d.T.Helper()
	start := d.Clk.Now()
	for d.R32(sr)&bsy != 0 {
		d.Clk.Advance(poll)
		if d.Clk.Now()-start > limit {
			d.T.Fatal("BSY stuck")
		}
	}
	return d.Clk.Now() - start
}

// Connect does what a debugger does first: CTRL/STAT.CDBGPWRUPREQ. The DP
// reports every CTRL/STAT write to its OnCtrlStat hook.
func Connect(dp hw.DPSpec) {
	if dp.OnCtrlStat != nil {
		dp.OnCtrlStat(1 << 28)
	}
}

// Booted reports whether core k runs firmware from its reset handler with
// the initial SP: checked right after a reset, before any modeled time
// lets the executing core move on.
func Booted(k *cortexm.Core, sp, reset uint32) bool {
	return k.Running() && k.Reg(cortexm.RegPC) == reset && k.Reg(cortexm.RegMSP) == sp
}

// LockedUp reports Lockup as a debugger sees it: not running, PC
// 0xFFFFFFFE, DHCSR.S_LOCKUP (ARMv7-M ARM B1.5.15).
func (d *Debugger) LockedUp(k *cortexm.Core) bool {
	d.T.Helper()
	return !k.Running() && k.Reg(cortexm.RegPC) == 0xFFFFFFFE && d.R32(0xE000EDF0)&(1<<19) != 0
}
