package stm32f1

import (
	"fmt"
	"sync"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/cortexm"
	"github.com/flashstation/flashstation/drivers/sim/chip/memmap"
	"github.com/flashstation/flashstation/drivers/sim/chip/stm32x"
	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/fault"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// Identity and geometry (RM0008, DS5319; see doc.go).
const (
	FlashBase  = 0x08000000
	SRAMBase   = 0x20000000
	SRAMSize   = 20 << 10
	PageSize   = 1 << 10
	OptionBase = 0x1FFFF800
	FPECBase   = 0x40022000
	IDCODEAddr = 0xE0042000

	DevID       = 0x410
	RevY        = 0x2003 // genuine revision Y
	RevClone    = 0x1303 // GD32F103 DBGMCU REV_ID
	DPIDR       = 0x1BA01477
	DPIDRClone  = 0x2BA01477 // CS32F103
	CPUTAP      = 0x3BA00477
	CPUTAPClone = 0x1BA01477 // GD32F103 JTAG-DP
	BSTAP       = 0x16410041 // medium density rev B/Z
	CPUID       = 0x411FC231 // Cortex-M3 r1p1
	CPUIDClone  = 0x412FC231 // Cortex-M3 r2p1
	AHBAPIDR    = 0x24770011

	ProgramTime = 52500 * time.Nanosecond
	EraseTime   = 20 * time.Millisecond
)

// Config selects and seeds one simulated chip.
type Config struct {
	Variant string // "stm32f103c8" (64 KiB) or "stm32f103cb" (128 KiB)
	Clone   bool
	Locked  bool   // option bytes start with readout protection on
	Seed    uint64 // stable per instance: the unique ID derives from it
	Clock   *clock.Clock
	Faults  *fault.Injector
}

// Chip is one simulated STM32F103 board.
type Chip struct {
	mu    sync.Mutex
	cfg   Config
	clk   *clock.Clock
	flash memmap.Mem
	sram  *memmap.RAM
	opt   [8]uint16 // option bytes as stored: byte | complement<<8
	uid   [12]byte
	core  *cortexm.Core
	bus   memmap.Map
	dps   []hw.DPSpec

	powered, inReset bool
	dbgmcuCR         uint32
	rcc              [0x400 / 4]uint32
	f                fpec
	// Loaded option state (PM0075 §2.5: at power-on and system reset only).
	rdp      bool
	optErr   bool
	obrBytes uint32 // OBR[25:2]: USER, Data0, Data1
	wrpr     uint32
}

var _ hw.Chip = (*Chip)(nil)

// New builds a powered chip with erased flash.
func New(cfg Config) (*Chip, error) {
	size := 0
	switch cfg.Variant {
	case "stm32f103c8":
		size = 64 << 10
	case "stm32f103cb":
		size = 128 << 10
	default:
		return nil, fmt.Errorf("stm32f1: unknown variant %q (want stm32f103c8 or stm32f103cb)", cfg.Variant)
	}
	if cfg.Clock == nil {
		cfg.Clock = &clock.Clock{}
	}
	c := &Chip{cfg: cfg, clk: cfg.Clock, flash: make(memmap.Mem, size), sram: memmap.NewRAM(SRAMSize)}
	c.flash.Fill(0, uint32(size), 0xFF)
	c.opt = [8]uint16{0x5AA5, 0x00FF, 0x00FF, 0x00FF, 0x00FF, 0x00FF, 0x00FF, 0x00FF}
	if cfg.Locked {
		c.opt[0] = 0xFF00 // RDP byte 0x00: protected
	}
	c.uid = stm32x.NewUID(cfg.Seed)
	cc := cortexm.Config{CPUID: CPUID, Clock: c.clk, Fetch: c.fetch, OnSysResetReq: c.systemReset,
		ROMPart: DevID, ROMJEP106: 0x20}
	if cfg.Clone {
		cc.CPUID, cc.ROMPart, cc.ROMJEP106 = CPUIDClone, 0, 0
	}
	c.core = cortexm.New(cc)
	c.buildMap()
	dpidr := uint32(DPIDR)
	if cfg.Clone {
		dpidr = DPIDRClone
	}
	c.dps = []hw.DPSpec{{DPIDR: dpidr, Version: 1, APs: []hw.APSpec{{Mem: &hw.MemAPSpec{
		Bus: lockedBus{c}, IDR: AHBAPIDR, BASE: 0xE00FF003, WrapBytes: 4096, Sizes: []int{1, 2},
	}}}}}
	c.SetPower(true)
	return c, nil
}

func (c *Chip) buildMap() {
	n := uint32(len(c.flash))
	c.bus.Add(0x00000000, n, flashBus{c}) // BOOT0 low: flash aliased at 0
	c.bus.Add(FlashBase, n, flashBus{c})
	c.bus.Add(SRAMBase, SRAMSize, c.sram)
	c.bus.Add(0x1FFFF000, 0x810, sysBus{c})
	c.bus.Add(FPECBase, 0x400, fpecBus{c})
	c.bus.Add(0x40021000, 0x400, rccBus{c})
	c.bus.Add(IDCODEAddr, 8, dbgmcuBus{c})
	c.bus.Add(0xE0000000, 0x100000, memmap.Offset{Base: 0xE0000000, Bus: c.core.Bus()})
}

// Name is the variant name, with "+clone" for the clone.
func (c *Chip) Name() string {
	if c.cfg.Clone {
		return c.cfg.Variant + "+clone"
	}
	return c.cfg.Variant
}

// DebugPorts is the SW-DP with its AHB-AP.
func (c *Chip) DebugPorts() []hw.DPSpec { return c.dps }

// JTAGChain lists TDI to TDO: the boundary-scan TAP, then the Cortex-M3
// JTAG-DP (RM0008 §31.6.1; OpenOCD's stm32f1x.cfg declares the CPU TAP
// first because it lists TAPs from TDO).
func (c *Chip) JTAGChain() []hw.TAPSpec {
	cpu := uint32(CPUTAP)
	if c.cfg.Clone {
		cpu = CPUTAPClone
	}
	return []hw.TAPSpec{{IRLen: 5, IDCODE: BSTAP, DP: -1}, {IRLen: 4, IDCODE: cpu, DP: 0}}
}

// SetReset drives nRESET: asserted holds the core in reset; release is a
// system reset (FPEC locked, option bytes reloaded).
func (c *Chip) SetReset(asserted bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.powered || asserted == c.inReset {
		return
	}
	c.inReset = asserted
	if asserted {
		c.core.SetResetLine(true)
		return
	}
	c.resetPeripherals()
	c.core.SetResetLine(false)
}

// SetPower switches the supply. Off loses SRAM, core and debug state; flash
// and option bytes survive.
func (c *Chip) SetPower(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if on == c.powered {
		return
	}
	c.powered = on
	if !on {
		c.core.PowerOff()
		c.inReset = false
		return
	}
	c.sram.Mem.Fill(0, SRAMSize, 0)
	c.dbgmcuCR = 0
	c.rcc = [0x400 / 4]uint32{}
	c.resetPeripherals()
	c.core.PowerOn()
}

// Voltage is 3.3 V while powered.
func (c *Chip) Voltage() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.powered {
		return 3.3
	}
	return 0
}

// systemReset is AIRCR.SYSRESETREQ (called with c.mu held, from a bus write).
func (c *Chip) systemReset() {
	c.resetPeripherals()
	c.core.Reset()
}

// resetPeripherals resets the FPEC and reloads the option bytes.
func (c *Chip) resetPeripherals() {
	c.f = fpec{}
	c.f.reset()
	c.loadOptions()
}

// Core is the Cortex-M3 (for tests and fixture checks; not locked).
func (c *Chip) Core() *cortexm.Core { return c.core }

// Locked reports the loaded readout protection state (OBR.RDPRT).
func (c *Chip) Locked() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rdp
}

// ReadFlash copies n bytes of flash from offset off, as the array holds
// them (no protection applies).
func (c *Chip) ReadFlash(off, n int) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.flash[off:off+n]...)
}

// UID is the 96-bit unique ID as stored at 0x1FFFF7E8.
func (c *Chip) UID() [12]byte { return c.uid }

// Bus is the system bus as the AHB-AP sees it (locked per access).
func (c *Chip) Bus() hw.Bus { return lockedBus{c} }

type lockedBus struct{ c *Chip }

func (b lockedBus) Read(addr uint32, size int) (uint32, time.Duration, error) {
	c := b.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.powered {
		return 0, 0, hw.ErrBusFault
	}
	c.f.settle(c)
	return c.bus.Read(addr, size)
}

func (b lockedBus) Write(addr uint32, size int, v uint32) (time.Duration, error) {
	c := b.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.powered {
		return 0, hw.ErrBusFault
	}
	c.f.settle(c)
	return c.bus.Write(addr, size, v)
}

// fetch is the core's vector fetch: the CPU reads flash regardless of RDP.
func (c *Chip) fetch(addr uint32) (uint32, error) {
	if int(addr)+4 > len(c.flash) {
		return 0, hw.ErrBusFault
	}
	return c.flash.Load(addr, 4), nil
}
