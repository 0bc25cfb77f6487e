package nrf52

import (
	"encoding/binary"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/fault"
)

// NVMC registers (PS §4.3.9) and timings (§4.3.10, max).
const (
	NVMCBase      = 0x4001E000
	nvmcReady     = 0x400
	nvmcReadyNext = 0x408
	nvmcConfig    = 0x504
	nvmcErasePage = 0x508
	nvmcEraseAll  = 0x50C
	nvmcErasePCR0 = 0x510 // legacy name of ERASEPAGE
	nvmcEraseUICR = 0x514

	configWEN = 1
	configEEN = 2

	TimeWrite     = 41 * time.Microsecond
	TimeErasePage = 85 * time.Millisecond
	TimeEraseAll  = 169 * time.Millisecond
)

// nvmc is the controller's state: CONFIG and when the running operation
// ends (modeled time).
type nvmc struct {
	config    uint32
	busyUntil time.Duration
}

func (c *Chip) busy() bool { return c.clk.Now() < c.nvmc.busyUntil }

// stall is how long an access to the flash array must wait.
func (c *Chip) stall() time.Duration {
	if d := c.nvmc.busyUntil - c.clk.Now(); d > 0 {
		return d
	}
	return 0
}

// startOp queues an operation behind the running one, as a write into a
// busy NVMC waits for it, and returns the wait.
func (c *Chip) startOp(d time.Duration) time.Duration {
	wait := c.stall()
	c.nvmc.busyUntil = c.clk.Now() + wait + d
	return wait
}

func (c *Chip) nvmcRead(off uint32) uint32 {
	switch off {
	case nvmcReady, nvmcReadyNext:
		if c.busy() {
			return 0
		}
		return 1
	case nvmcConfig:
		return c.nvmc.config
	}
	return 0
}

func (c *Chip) nvmcWrite(off, v uint32) time.Duration {
	switch off {
	case nvmcConfig:
		c.nvmc.config = v & 7
	case nvmcErasePage, nvmcErasePCR0:
		if c.nvmc.config != configEEN || v >= FlashSize {
			return 0
		}
		wait := c.startOp(TimeErasePage)
		if !c.faults.Fire(fault.EraseFail) {
			fillFF(c.flash[v&^(PageSize-1) : v&^(PageSize-1)+PageSize])
		}
		return wait
	case nvmcEraseAll:
		if c.nvmc.config != configEEN || v&1 == 0 {
			return 0
		}
		return c.eraseAll()
	case nvmcEraseUICR:
		if c.nvmc.config != configEEN || v&1 == 0 {
			return 0
		}
		wait := c.startOp(TimeErasePage)
		if !c.faults.Fire(fault.EraseFail) {
			fillFF(c.uicr)
		}
		return wait
	}
	return 0
}

// eraseAll erases code flash and UICR (NVMC ERASEALL or CTRL-AP ERASEALL,
// which also clears RAM: ctrlap.go).
func (c *Chip) eraseAll() time.Duration {
	wait := c.startOp(TimeEraseAll)
	if !c.faults.Fire(fault.EraseFail) {
		fillFF(c.flash)
		fillFF(c.uicr)
	}
	return wait
}

// writeWord programs one word of flash or UICR (mem is the array, off the
// byte offset, addr the system address for bad-cell lookup): ignored
// unless CONFIG=1; bits only go 1 -> 0; a failed write keeps the old word.
func (c *Chip) writeWord(mem []byte, off, addr, v uint32) time.Duration {
	if c.nvmc.config != configWEN {
		return 0 // the PS: writes with write disabled are ignored
	}
	wait := c.startOp(TimeWrite)
	if c.faults.Fire(fault.ProgramFail) || (c.faults != nil && c.faults.IsBadCell(addr)) {
		return wait
	}
	old := binary.LittleEndian.Uint32(mem[off:])
	binary.LittleEndian.PutUint32(mem[off:], old&v)
	return wait
}
