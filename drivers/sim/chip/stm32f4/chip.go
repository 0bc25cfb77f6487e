package stm32f4

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

// Identity and geometry (RM0383, DS10314; see doc.go).
const (
	FlashBase  = 0x08000000
	FlashSize  = 512 << 10
	SRAMBase   = 0x20000000
	SRAMSize   = 128 << 10
	FlashIF    = 0x40023C00
	IDCODEAddr = 0xE0042000

	DevID    = 0x431
	RevA     = 0x1000
	DPIDR    = 0x2BA01477
	CPUTAP   = 0x4BA00477
	BSTAP    = 0x06431041
	CPUID    = 0x410FC241 // Cortex-M4 r0p1
	AHBAPIDR = 0x24770011

	ProgramTime   = 16 * time.Microsecond
	MassEraseTime = 4 * time.Second
	// OptionTime is how long OPTSTRT keeps BSY when no erase is needed;
	// DS10314 gives no figure, so it is modeled as one 16 KiB sector erase.
	OptionTime = 250 * time.Millisecond
)

// Sector geometry (RM0383 Table 4) and typical erase time (DS10314 Table 45).
var sectors = [8]struct {
	Off, Size uint32
	Erase     time.Duration
}{
	{0x00000, 16 << 10, 250 * time.Millisecond}, {0x04000, 16 << 10, 250 * time.Millisecond},
	{0x08000, 16 << 10, 250 * time.Millisecond}, {0x0C000, 16 << 10, 250 * time.Millisecond},
	{0x10000, 64 << 10, 550 * time.Millisecond}, {0x20000, 128 << 10, time.Second},
	{0x40000, 128 << 10, time.Second}, {0x60000, 128 << 10, time.Second},
}

// Config selects and seeds one simulated chip.
type Config struct {
	Variant string // "stm32f411ce"
	Locked  bool   // option bytes start at RDP level 1
	Seed    uint64 // stable per instance: the unique ID derives from it
	Clock   *clock.Clock
	Faults  *fault.Injector
}

// Chip is one simulated STM32F411 board.
type Chip struct {
	mu    sync.Mutex
	cfg   Config
	clk   *clock.Clock
	flash memmap.Mem
	sram  *memmap.RAM
	opt   uint32 // option bytes as stored, in OPTCR layout (no lock/start bits)
	uid   [12]byte
	core  *cortexm.Core
	bus   memmap.Map
	dps   []hw.DPSpec

	powered, inReset bool
	dbgmcuCR         uint32
	rcc              [0x400 / 4]uint32
	f                flashIF
	level            int // loaded RDP level 0, 1, 2 (RM0383 §3.6.3)
}

var _ hw.Chip = (*Chip)(nil)

// New builds a powered chip with erased flash.
func New(cfg Config) (*Chip, error) {
	if cfg.Variant != "stm32f411ce" {
		return nil, fmt.Errorf("stm32f4: unknown variant %q (want stm32f411ce)", cfg.Variant)
	}
	size := FlashSize
	if cfg.Clock == nil {
		cfg.Clock = &clock.Clock{}
	}
	c := &Chip{cfg: cfg, clk: cfg.Clock, flash: make(memmap.Mem, size), sram: memmap.NewRAM(SRAMSize)}
	c.flash.Fill(0, uint32(size), 0xFF)
	c.opt = optReset
	if cfg.Locked {
		c.opt &^= 0xFF00 // RDP 0x00: level 1
	}
	c.uid = stm32x.NewUID(cfg.Seed)
	c.core = cortexm.New(cortexm.Config{CPUID: CPUID, FPU: true, Clock: c.clk, Fetch: c.fetch,
		OnSysResetReq: c.systemReset, ROMPart: DevID, ROMJEP106: 0x20})
	c.buildMap()
	c.dps = []hw.DPSpec{{DPIDR: DPIDR, Version: 1, APs: []hw.APSpec{{Mem: &hw.MemAPSpec{
		Bus: lockedBus{c}, IDR: AHBAPIDR, BASE: 0xE00FF003, WrapBytes: 4096, Sizes: []int{1, 2},
		Blocked: c.debugBlocked,
	}}}}}
	c.SetPower(true)
	return c, nil
}

func (c *Chip) buildMap() {
	n := uint32(len(c.flash))
	c.bus.Add(0x00000000, n, flashBus{c}) // BOOT0 low: flash aliased at 0
	c.bus.Add(FlashBase, n, flashBus{c})
	c.bus.Add(SRAMBase, SRAMSize, c.sram)
	c.bus.Add(0x1FFF7800, 0x230, sysBus{c})
	c.bus.Add(0x1FFFC000, 0x10, optBus{c})
	c.bus.Add(FlashIF, 0x400, flashIFBus{c})
	c.bus.Add(0x40023800, 0x400, rccBus{c})
	c.bus.Add(IDCODEAddr, 8, dbgmcuBus{c})
	c.bus.Add(0xE0000000, 0x100000, memmap.Offset{Base: 0xE0000000, Bus: c.core.Bus()})
}

// Name is the variant name.
func (c *Chip) Name() string { return c.cfg.Variant }

// DebugPorts is the SW-DP with its AHB-AP.
func (c *Chip) DebugPorts() []hw.DPSpec { return c.dps }

// JTAGChain lists TDI to TDO: the boundary-scan TAP, then the Cortex-M4
// JTAG-DP (RM0383 §23.5.1; OpenOCD's stm32f4x.cfg declares the CPU TAP
// first because it lists TAPs from TDO).
func (c *Chip) JTAGChain() []hw.TAPSpec {
	return []hw.TAPSpec{{IRLen: 5, IDCODE: BSTAP, DP: -1}, {IRLen: 4, IDCODE: CPUTAP, DP: 0}}
}

// SetReset drives nRESET: asserted holds the core in reset; release is a
// system reset (FLASH_CR locked, OPTCR reloaded).
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

// resetPeripherals resets the flash interface and reloads the option bytes.
func (c *Chip) resetPeripherals() {
	c.f = flashIF{}
	c.loadOptions()
}

// Core is the Cortex-M4 (for tests and fixture checks; not locked).
func (c *Chip) Core() *cortexm.Core { return c.core }

// Locked reports whether the loaded RDP level is 1 or 2.
func (c *Chip) Locked() bool { return c.Level() > 0 }

// Level is the loaded RDP level: 0, 1 or 2.
func (c *Chip) Level() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.level
}

// debugBlocked is RDP level 2: JTAG/SWD access to the system is disabled
// for good (RM0383 §3.6.3). It runs with the AP's caller not holding c.mu.
func (c *Chip) debugBlocked() bool { return c.Level() == 2 }

// ReadFlash copies n bytes of flash from offset off, as the array holds
// them (no protection applies).
func (c *Chip) ReadFlash(off, n int) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.flash[off:off+n]...)
}

// UID is the 96-bit unique ID as stored at 0x1FFF7A10.
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
