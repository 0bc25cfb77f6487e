package stm32x

import (
	"github.com/flashstation/flashstation/drivers/sim/chip/cortexm"
	"github.com/flashstation/flashstation/drivers/sim/chip/cortexm/unicorn"
)

// ExecConfig makes a board's core execute code.
type ExecConfig struct {
	Model unicorn.Model
	// Hz is SYSCLK from the RCC registers as last written (words from
	// RCCBase); nil means the HSI alone. The core's cycles cost 1/Hz.
	Hz func(rcc []uint32) uint32
}

// execConfig maps the board for the core: SRAM read-write, flash (at 0
// and FlashBase, one array) read-only with stores to the flash interface,
// and MMIO windows for system memory, peripherals and the PPB. Bit-band
// aliases are not mapped: a store there bus-faults.
func (b *Board) execConfig(x *ExecConfig) *cortexm.Exec {
	blocked := func() bool { return b.cpuFlashBlocked() }
	return &cortexm.Exec{
		Model: x.Model,
		Memory: []cortexm.ExecMemory{
			{Base: SRAMBase, Mem: b.cfg.SRAM.Mem},
			{Base: 0, Mem: b.cfg.Flash, Writes: &b.bus, Blocked: blocked},
			{Base: FlashBase, Mem: b.cfg.Flash, Writes: &b.bus, Blocked: blocked},
		},
		MMIO: []cortexm.ExecWindow{
			{Base: 0x1FFF0000, Size: 0x10000},                    // system memory, OTP, option bytes
			{Base: 0x40000000, Size: 0x20000000},                 // peripherals
			{Base: 0xE0000000, Size: 0x1_0000_0000 - 0xE0000000}, // PPB, DBGMCU
		},
		Bus: &b.bus,
		Hz: func() uint32 {
			if x.Hz == nil {
				return 0
			}
			return x.Hz(b.rcc[:])
		},
	}
}

// Close frees the core's execution engine (the chip is discarded: a
// fixture closed, a board reseated). The chip still answers afterwards,
// with a core that no longer executes code.
func (b *Board) Close() {
	b.cfg.Mu.Lock()
	defer b.cfg.Mu.Unlock()
	b.core.Close()
}

// Retired is the number of instructions the core executed since power-on
// (locked: for checks from another goroutine).
func (b *Board) Retired() uint64 {
	b.cfg.Mu.Lock()
	defer b.cfg.Mu.Unlock()
	return b.core.Retired()
}

// ExecErr is why the core cannot execute code (nil when it can or was not
// asked to).
func (b *Board) ExecErr() error { return b.core.ExecErr() }

// catchUp lets the core run up to the debugger's now (Mu held).
func (b *Board) catchUp() {
	if b.powered && !b.inReset {
		b.core.CatchUp()
	}
}

// codeWritten drops the core's translated code that a debugger write may
// have changed while the core runs (a halted core starts afresh when it
// resumes): SRAM by range, the flash array whole, since a write to the
// flash interface may have erased it.
func (b *Board) codeWritten(addr uint32, size int) {
	if !b.core.Running() {
		return
	}
	if addr-SRAMBase < uint32(len(b.cfg.SRAM.Mem)) {
		b.core.FlushCodeRange(addr, addr+uint32(size))
		return
	}
	n := uint32(len(b.cfg.Flash))
	b.core.FlushCodeRange(0, n)
	b.core.FlushCodeRange(FlashBase, FlashBase+n)
}
