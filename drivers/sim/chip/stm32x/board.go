package stm32x

import (
	"sync"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/cortexm"
	"github.com/flashstation/flashstation/drivers/sim/chip/memmap"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// Addresses every STM32 shares (RM0008 §3.3, §31.6.3; RM0383 §2.3,
// §23.6.1).
const (
	FlashBase  = 0x08000000
	SRAMBase   = 0x20000000
	IDCODEAddr = 0xE0042000
)

// BoardConfig describes one chip to NewBoard. The hooks run with Mu held.
type BoardConfig struct {
	Name string
	// Mu is the chip's lock: every Board method and every debugger access
	// holds it, and so must the chip's own methods.
	Mu       *sync.Mutex
	Flash    memmap.Mem // the array; the core's vector fetch reads it
	FlashBus hw.Bus     // the array as the chip maps it at 0 (BOOT0 low) and FlashBase
	SRAM     *memmap.RAM
	// Peripherals are the chip's own regions (system memory, option
	// bytes, flash interface), mapped between SRAM and RCC.
	Peripherals []memmap.Region
	RCCBase     uint32
	RCCCFGR     uint32 // word index of RCC_CFGR, whose SWS follows SW
	IDCODE      uint32 // DBGMCU_IDCODE as the debugger reads it
	DBGMCUMask  uint32 // DBGMCU_CR bits that exist
	UID         [12]byte
	CPU         cortexm.Config // Fetch and OnSysResetReq are the board's
	DPIDR       uint32
	APIDR       uint32      // the AHB-AP's IDR
	Blocked     func() bool // the AHB-AP refuses memory access (RDP level 2); may be nil
	// DebugLocksFlash reports whether the loaded protection takes main
	// flash away from the CPU once a debugger has connected (RDP level 1).
	DebugLocksFlash func() bool
	JTAG            []hw.TAPSpec
	// Reset resets the chip's peripherals: at power-on, on nRESET release
	// and on AIRCR.SYSRESETREQ (flash interface locked, option bytes
	// reloaded).
	Reset func()
	// Settle runs before every debugger access so timed operations whose
	// time has passed end (BSY clears).
	Settle func()
	// Exec, when set, makes the core execute code (exec.go).
	Exec *ExecConfig
	// GPIO places the GPIO ports (gpio.go); zero Ports: none.
	GPIO GPIOConfig
}

// Board is the hw.Chip plumbing an STM32 model shares around its Cortex-M
// core: supply and nRESET, the SW-DP with its AHB-AP, the system bus as the
// AP sees it (locked per access), DBGMCU and the RCC stand-in.
type Board struct {
	cfg  BoardConfig
	core *cortexm.Core
	bus  memmap.Map
	dps  []hw.DPSpec

	powered, inReset bool
	// debugSeen latches a debug connection until power-on reset: see
	// debugConnect.
	debugSeen bool
	dbgmcuCR  uint32
	rcc       [0x400 / 4]uint32
	gpio      gpio
}

var _ hw.Chip = (*Board)(nil)

// NewBoard builds the board and powers it.
func NewBoard(cfg BoardConfig) *Board {
	b := &Board{cfg: cfg}
	cc := cfg.CPU
	cc.Fetch, cc.OnSysResetReq = b.fetch, b.systemReset
	if cfg.Exec != nil {
		cc.Exec = b.execConfig(cfg.Exec)
	}
	b.core = cortexm.New(cc)
	b.core.SetOnResume(b.checkPC)
	n := uint32(len(cfg.Flash))
	b.bus.Add(0x00000000, n, cfg.FlashBus) // BOOT0 low: flash aliased at 0
	b.bus.Add(FlashBase, n, cfg.FlashBus)
	b.bus.Add(SRAMBase, uint32(len(cfg.SRAM.Mem)), cfg.SRAM)
	for _, r := range cfg.Peripherals {
		b.bus.Add(r.Base, r.Size, r.Bus)
	}
	b.bus.Add(cfg.RCCBase, 0x400, rccBus{b})
	b.gpio.cfg = cfg.GPIO
	b.gpio.reset()
	if cfg.GPIO.Ports > 0 {
		b.bus.Add(cfg.GPIO.Base, uint32(cfg.GPIO.Ports)*0x400, &b.gpio)
	}
	b.bus.Add(IDCODEAddr, 8, dbgmcuBus{b})
	b.bus.Add(0xE0000000, 0x100000, memmap.Offset{Base: 0xE0000000, Bus: b.core.Bus()})
	b.dps = []hw.DPSpec{{DPIDR: cfg.DPIDR, Version: 1, APs: []hw.APSpec{{Mem: &hw.MemAPSpec{
		Bus: lockedBus{b}, IDR: cfg.APIDR, BASE: 0xE00FF003, WrapBytes: 4096, Sizes: []int{1, 2},
		Blocked: cfg.Blocked,
	}}}, OnCtrlStat: b.debugConnect}}
	b.SetPower(true)
	return b
}

// Name is the chip's name.
func (b *Board) Name() string { return b.cfg.Name }

// DebugPorts is the SW-DP with its AHB-AP.
func (b *Board) DebugPorts() []hw.DPSpec { return b.dps }

// JTAGChain lists TDI to TDO: the boundary-scan TAP, then the Cortex-M
// JTAG-DP.
func (b *Board) JTAGChain() []hw.TAPSpec { return append([]hw.TAPSpec(nil), b.cfg.JTAG...) }

// SetReset drives nRESET: asserted holds the core in reset; release is a
// system reset.
func (b *Board) SetReset(asserted bool) {
	b.cfg.Mu.Lock()
	defer b.cfg.Mu.Unlock()
	if !b.powered || asserted == b.inReset {
		return
	}
	b.catchUp()
	b.inReset = asserted
	if asserted {
		b.core.SetResetLine(true)
		return
	}
	b.gpio.reset()
	b.cfg.Reset()
	b.core.SetResetLine(false)
}

// SetPower switches the supply. Off loses SRAM, core and debug state; flash
// and option bytes survive.
func (b *Board) SetPower(on bool) {
	b.cfg.Mu.Lock()
	defer b.cfg.Mu.Unlock()
	if on == b.powered {
		return
	}
	b.powered = on
	b.debugSeen = false // only a power-on reset forgets the debugger
	if !on {
		b.core.PowerOff()
		b.inReset = false
		return
	}
	b.cfg.SRAM.Mem.Fill(0, uint32(len(b.cfg.SRAM.Mem)), 0)
	b.dbgmcuCR = 0 // reset by power-on only
	b.rcc = [0x400 / 4]uint32{}
	b.gpio.reset()
	b.cfg.Reset()
	b.core.PowerOn()
}

// Voltage is 3.3 V while powered.
func (b *Board) Voltage() float64 {
	b.cfg.Mu.Lock()
	defer b.cfg.Mu.Unlock()
	if b.powered {
		return 3.3
	}
	return 0
}

// systemReset is AIRCR.SYSRESETREQ (called with Mu held, from a bus write).
func (b *Board) systemReset() {
	b.gpio.reset()
	b.cfg.Reset()
	b.core.Reset()
}

// Core is the Cortex-M core (for tests and fixture checks; not locked).
func (b *Board) Core() *cortexm.Core { return b.core }

// ReadFlash copies n bytes of flash from offset off, as the array holds
// them (no protection applies).
func (b *Board) ReadFlash(off, n int) []byte {
	b.cfg.Mu.Lock()
	defer b.cfg.Mu.Unlock()
	return append([]byte(nil), b.cfg.Flash[off:off+n]...)
}

// UID is the 96-bit unique ID as system memory stores it.
func (b *Board) UID() [12]byte { return b.cfg.UID }

// Bus is the system bus as the AHB-AP sees it (locked per access).
func (b *Board) Bus() hw.Bus { return lockedBus{b} }

type lockedBus struct{ b *Board }

func (l lockedBus) Read(addr uint32, size int) (uint32, time.Duration, error) {
	b := l.b
	b.cfg.Mu.Lock()
	defer b.cfg.Mu.Unlock()
	if !b.powered {
		return 0, 0, hw.ErrBusFault
	}
	b.catchUp()
	b.cfg.Settle()
	return b.bus.Read(addr, size)
}

func (l lockedBus) Write(addr uint32, size int, v uint32) (time.Duration, error) {
	b := l.b
	b.cfg.Mu.Lock()
	defer b.cfg.Mu.Unlock()
	if !b.powered {
		return 0, hw.ErrBusFault
	}
	b.catchUp()
	b.cfg.Settle()
	stall, err := b.bus.Write(addr, size, v)
	b.codeWritten(addr, size)
	return stall, err
}

// fetch is the core's vector fetch from the table at 0 (flash, BOOT0
// low). Under RDP level 1 with a debugger seen since power-on it is a bus
// error, so the core locks up instead of booting (see debugConnect).
func (b *Board) fetch(addr uint32) (uint32, error) {
	if int(addr)+4 > len(b.cfg.Flash) || b.cpuFlashBlocked() {
		return 0, hw.ErrBusFault
	}
	return b.cfg.Flash.Load(addr, 4), nil
}

// cdbgPwrUpReq is DP CTRL/STAT.CDBGPWRUPREQ (ADIv5 B2.2.2), which every
// debugger sets before its first AP access.
const cdbgPwrUpReq = 1 << 28

// debugConnect watches the DP's CTRL/STAT: a debug power-up request is a
// debugger connecting, and the chip remembers it until power-on reset.
// Under RDP level 1 "no access (read, erase, program) to Flash memory can
// be performed while the debug feature is connected ... A bus error is
// generated in case of read request" (RM0383 §3.6.3; same words in RM0402
// and RM0090 §3.7.3), and "if the read protection is set while the
// debugger is still connected (or has been connected since the last
// power-on) through JTAG/SWD, apply a POR (power-on reset) instead of a
// system reset" (RM0090 §3.7.3 note; PM0075 §2.4.1 for the F1: "... instead
// of a system reset (without debugger connection)"). So a system reset
// keeps the latch and only power clears it. Firmware already running from
// flash faults on its next fetch. Called by the DP without Mu held.
func (b *Board) debugConnect(ctrlStat uint32) {
	if ctrlStat&cdbgPwrUpReq == 0 {
		return
	}
	b.cfg.Mu.Lock()
	defer b.cfg.Mu.Unlock()
	if !b.powered {
		return
	}
	b.catchUp()
	b.debugSeen = true
	b.checkPC(b.core)
}

// cpuFlashBlocked reports whether the CPU's own accesses to main flash are
// bus errors now (Mu held).
func (b *Board) cpuFlashBlocked() bool {
	return b.debugSeen && b.cfg.DebugLocksFlash != nil && b.cfg.DebugLocksFlash()
}

// checkPC runs whenever the core starts running and when a debugger
// connects: a core executing from main flash while the CPU is cut off
// from it bus-faults on the instruction fetch, and the HardFault that
// follows fetches its vector from the table in flash and faults too,
// which locks the core up (ARMv7-M ARM B1.5.15). A vector table moved to
// SRAM (VTOR) is not modelled: no firmware sets it here.
func (b *Board) checkPC(c *cortexm.Core) {
	if !c.Running() || !b.cpuFlashBlocked() {
		return
	}
	pc, n := c.Reg(cortexm.RegPC), uint32(len(b.cfg.Flash))
	if pc < n || pc-FlashBase < n {
		c.LockUp()
	}
}

// dbgmcuBus is DBGMCU_IDCODE and DBGMCU_CR (RM0008 §31.16, RM0383 §23.6).
// IDCODE is readable by the debugger only; CR survives system reset.
type dbgmcuBus struct{ b *Board }

func (d dbgmcuBus) Read(off uint32, size int) (uint32, time.Duration, error) {
	w := d.b.cfg.IDCODE
	if off >= 4 {
		w = d.b.dbgmcuCR
	}
	return Lane(w, off, size), 0, nil
}

func (d dbgmcuBus) Write(off uint32, size int, v uint32) (time.Duration, error) {
	if off >= 4 && size == 4 {
		d.b.dbgmcuCR = v & d.b.cfg.DBGMCUMask
	}
	return 0, nil
}

// rccBus stands in for the RCC block, which debuggers touch when they
// raise the clock for flashing: it keeps what is written, with CR's reset
// value (HSION|HSIRDY, RM0008 §7.3.1, RM0383 §6.3.1) and ready bits that
// follow their enables. Clock trees are not modelled; flash timing does
// not depend on them here.
type rccBus struct{ b *Board }

func (r rccBus) Read(off uint32, size int) (uint32, time.Duration, error) {
	i := off / 4
	w := r.b.rcc[i]
	switch i {
	case 0:
		w |= 0x83 // HSION, HSIRDY, HSITRIM reset 0x10<<3
		if w&(1<<16) != 0 {
			w |= 1 << 17 // HSERDY follows HSEON
		}
		if w&(1<<24) != 0 {
			w |= 1 << 25 // PLLRDY follows PLLON
		}
	case r.b.cfg.RCCCFGR:
		w = w&^0xC | (w&3)<<2 // CFGR.SWS follows SW
	}
	return Lane(w, off, size), 0, nil
}

func (r rccBus) Write(off uint32, size int, v uint32) (time.Duration, error) {
	if size == 4 {
		r.b.rcc[off/4] = v
	}
	return 0, nil
}
