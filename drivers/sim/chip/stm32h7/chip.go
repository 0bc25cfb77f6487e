package stm32h7

import (
	"fmt"
	"sync"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/cortexm"
	"github.com/flashstation/flashstation/drivers/sim/chip/memmap"
	"github.com/flashstation/flashstation/drivers/sim/chip/stm32x"
	"github.com/flashstation/flashstation/drivers/sim/chip/w25q"
	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/fault"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// Memory map (RM0433 §2.3.2 Table 7/8) and identity (sources in doc.go and
// drivers/sim/IDENTITY.md).
const (
	FlashBase   = 0x08000000
	FlashSize   = 128 << 10 // one 128 KiB sector in bank 1 (DS12556 §1)
	ITCMBase    = 0x00000000
	ITCMSize    = 64 << 10
	DTCMBase    = 0x20000000
	DTCMSize    = 128 << 10
	AXIBase     = 0x24000000
	AXISize     = 512 << 10
	SRAM123Base = 0x30000000
	SRAM123Size = 288 << 10
	SRAM4Base   = 0x38000000
	SRAM4Size   = 64 << 10
	SysInfo     = 0x1FF1E800 // unique ID +0, flash size +0x80 (RM0433 §61.1, §61.2)
	FlashRegs   = 0x52002000
	QSPIRegs    = 0x52005000
	GPIOBase    = 0x58020000
	RCCBase     = 0x58024400
	DBGMCUAddr  = 0x5C001000
	DBGMCUAPB   = 0xE00E1000 // DBGMCU as AP2 (APB-AP) sees it
	QSPIMapped  = 0x90000000

	DevID = 0x450
	RevV  = 0x2003
	// IDCODE: bits 15:12 are reserved in RM0433 §60.5.8 but read 6 on real
	// parts ("device id = 0x20036450"), as on the F4.
	IDCODE   = RevV<<16 | 0x6000 | DevID
	DPIDR    = 0x6BA02477 // DPv2: "DP IDR = 0x6ba02477 (v2 rev6)"
	TargetID = 0x04500041 // DPv2 TARGETID: ST (0x020), part 0x4500
	CPUTAP   = 0x6BA00477
	BSTAP    = 0x06450041
	CPUID    = 0x411FC271 // Cortex-M7 r1p1
	AHBAPIDR = 0x84770001 // AP0 and AP1: "AHB-AP#0 IDR = 0x84770001"
	APBAPIDR = 0x54770002 // AP2: "APB-AP#2 IDR = 0x54770002"
	// ROMBase is AP0's BASE: ST's ROM table at 0xE00FE000, which points at
	// the Cortex-M7 table at 0xE00FF000, the ETM and the CTI (pyOCD#1499).
	ROMBase = 0xE00FE000
)

// Config selects and seeds one simulated board.
type Config struct {
	Variant string // "stm32h750vb"
	Locked  bool   // option bytes start at RDP level 1
	Seed    uint64
	Clock   *clock.Clock
	Faults  *fault.Injector
}

// Chip is one simulated WeAct-style STM32H750VB board: the MCU and a
// W25Q64JV on its QUADSPI bank 1 pins.
type Chip struct {
	mu    sync.Mutex
	cfg   Config
	clk   *clock.Clock
	core  *cortexm.Core
	bus   memmap.Map // the system bus (AP0)
	d3    memmap.Map // the D3 domain bus (AP1)
	apb   memmap.Map // the debug APB (AP2)
	dps   []hw.DPSpec
	uid   [12]byte
	flash memmap.Mem
	nor   *w25q.Flash

	itcm, dtcm, axi, sram123, sram4 *memmap.RAM

	powered, inReset bool
	debugSeen        bool
	dbgmcuCR         uint32

	f    flashIF
	opt  options
	rcc  rcc
	gpio [11]gpioPort
	q    qspi
}

var _ hw.Chip = (*Chip)(nil)

// New builds a powered board with erased internal and QSPI flash.
func New(cfg Config) (*Chip, error) {
	if cfg.Variant != "stm32h750vb" {
		return nil, fmt.Errorf("stm32h7: unknown variant %q (want stm32h750vb)", cfg.Variant)
	}
	if cfg.Clock == nil {
		cfg.Clock = &clock.Clock{}
	}
	c := &Chip{cfg: cfg, clk: cfg.Clock, flash: make(memmap.Mem, FlashSize), uid: stm32x.NewUID(cfg.Seed),
		itcm: memmap.NewRAM(ITCMSize), dtcm: memmap.NewRAM(DTCMSize), axi: memmap.NewRAM(AXISize),
		sram123: memmap.NewRAM(SRAM123Size), sram4: memmap.NewRAM(SRAM4Size)}
	c.flash.Fill(0, FlashSize, 0xFF)
	c.nor = w25q.New(w25q.Config{Part: &w25q.W25Q64JV, Seed: cfg.Seed ^ 0x5157, Clock: c.clk, Faults: cfg.Faults, CellBase: QSPIMapped})
	c.opt = factoryOptions()
	if cfg.Locked {
		c.opt.sr = c.opt.sr&^optRDP | 0x55<<8 // any value but AA/CC: level 1
	}
	c.core = cortexm.New(cortexm.Config{CPUID: CPUID, FPU: true, Clock: c.clk, CoreHz: 64_000_000,
		Fetch: c.fetch, OnSysResetReq: c.systemReset})
	c.core.SetOnResume(c.checkPC)

	sys := &c.bus
	sys.Add(ITCMBase, ITCMSize, c.itcm)
	sys.Add(FlashBase, FlashSize, flashBus{c})
	sys.Add(SysInfo, 0x100, sysInfoBus{c})
	sys.Add(DTCMBase, DTCMSize, c.dtcm)
	sys.Add(AXIBase, AXISize, c.axi)
	sys.Add(SRAM123Base, SRAM123Size, c.sram123)
	sys.Add(SRAM4Base, SRAM4Size, c.sram4)
	sys.Add(FlashRegs, 0x1000, flashIFBus{c})
	sys.Add(QSPIRegs, 0x1000, qspiBus{c})
	sys.Add(GPIOBase, 11*0x400, gpioBus{c})
	sys.Add(RCCBase, 0x400, rccBus{c})
	sys.Add(DBGMCUAddr, 0x400, dbgmcuBus{c})
	sys.Add(QSPIMapped, 0x10000000, qspiMapped{c})
	c.addPPB(sys)

	// AP1 reaches the D3 domain only: SRAM4 and the D3/AHB4 peripherals
	// (RM0433 §2.1 Figure 1: the debugger's AHB-AP into D3).
	c.d3.Add(SRAM4Base, SRAM4Size, c.sram4)
	c.d3.Add(GPIOBase, 11*0x400, gpioBus{c})
	c.d3.Add(RCCBase, 0x400, rccBus{c})
	c.d3.Add(DBGMCUAddr, 0x400, dbgmcuBus{c})

	// AP2 is the debug APB: DBGMCU at 0xE00E1000 (RM0433 §60.2.5).
	c.apb.Add(DBGMCUAPB, 0x400, dbgmcuBus{c})

	sizes := []int{1, 2}
	c.dps = []hw.DPSpec{{DPIDR: DPIDR, Version: 2, TargetID: TargetID, APs: []hw.APSpec{
		{Mem: &hw.MemAPSpec{Bus: lockedBus{c, &c.bus}, IDR: AHBAPIDR, BASE: ROMBase | 3, WrapBytes: 4096, Sizes: sizes, Blocked: c.debugBlocked}},
		{Mem: &hw.MemAPSpec{Bus: lockedBus{c, &c.d3}, IDR: AHBAPIDR, BASE: 0xFFFFFFFF, WrapBytes: 4096, Sizes: sizes, Blocked: c.debugBlocked}},
		{Mem: &hw.MemAPSpec{Bus: lockedBus{c, &c.apb}, IDR: APBAPIDR, BASE: 0xE00E0003, WrapBytes: 4096, Blocked: c.debugBlocked}},
	}, OnCtrlStat: c.debugConnect}}
	c.SetPower(true)
	return c, nil
}

// addPPB maps ST's ROM table, the ETM and CTI identification registers and
// the core's private peripheral bus.
func (c *Chip) addPPB(m *memmap.Map) {
	m.Add(ROMBase, 0x1000, stROM{})
	m.Add(0xE0041000, 0x1000, idOnly{part: 0x975, class: 9}) // ETM-M7
	m.Add(0xE0043000, 0x1000, idOnly{part: 0x906, class: 9}) // CTI
	m.Add(0xE0000000, 0x100000, memmap.Offset{Base: 0xE0000000, Bus: c.core.Bus()})
}

// Name is the chip's name.
func (c *Chip) Name() string { return c.cfg.Variant }

// DebugPorts is the SW-DP (DPv2) with AP0 (system AHB-AP), AP1 (D3 AHB-AP)
// and AP2 (debug APB-AP).
func (c *Chip) DebugPorts() []hw.DPSpec { return c.dps }

// JTAGChain lists TDI to TDO: the boundary-scan TAP, then the JTAG-DP.
func (c *Chip) JTAGChain() []hw.TAPSpec {
	return []hw.TAPSpec{{IRLen: 5, IDCODE: BSTAP, DP: -1}, {IRLen: 4, IDCODE: CPUTAP, DP: 0}}
}

// Core is the Cortex-M7 (tests; not locked).
func (c *Chip) Core() *cortexm.Core { return c.core }

// NOR is the board's QSPI flash (fixture checks and tests; not locked).
func (c *Chip) NOR() *w25q.Flash { return c.nor }

// UID is the 96-bit unique ID.
func (c *Chip) UID() [12]byte { return c.uid }

// Bus is the system bus as AP0 sees it (locked per access).
func (c *Chip) Bus() hw.Bus { return lockedBus{c, &c.bus} }

// ReadFlash copies n bytes of internal flash from offset off.
func (c *Chip) ReadFlash(off, n int) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.flash[off:off+n]...)
}

// Level is the RDP level in force: 0, 1 or 2.
func (c *Chip) Level() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.opt.level()
}

// SetReset drives NRST.
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

// SetPower switches the supply. Off loses RAM, core, debug and peripheral
// state; flash, option bytes and the NOR's array survive.
func (c *Chip) SetPower(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if on == c.powered {
		return
	}
	c.powered = on
	c.debugSeen = false
	if !on {
		c.core.PowerOff()
		c.inReset = false
		return
	}
	for _, r := range []*memmap.RAM{c.itcm, c.dtcm, c.axi, c.sram123, c.sram4} {
		r.Mem.Fill(0, uint32(len(r.Mem)), 0)
	}
	c.dbgmcuCR = 0
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

// resetPeripherals is a system reset of everything but the core: flash
// interface locked, option bytes reloaded, RCC, GPIO and QUADSPI at their
// reset values (Mu held).
func (c *Chip) resetPeripherals() {
	c.f = flashIF{cr: crReset, optcr: optcrLOCK}
	c.opt.prg, c.opt.wprg = c.opt.sr, c.opt.wpsn
	c.rcc = newRCC()
	for i := range c.gpio {
		c.gpio[i] = newGPIO(i)
	}
	c.q = qspi{}
}

func (c *Chip) systemReset() {
	c.resetPeripherals()
	c.core.Reset()
}

// fetch is the core's vector fetch: the M7 boots from BOOT_ADD0 << 16
// (0x0800 by default, RM0433 §2.6 Table 9: flash at 0x08000000).
func (c *Chip) fetch(addr uint32) (uint32, error) {
	if addr+4 > FlashSize || c.cpuFlashBlocked() {
		return 0, hw.ErrBusFault
	}
	return c.flash.Load(addr, 4), nil
}

// debugConnect latches a debugger's power-up request until power-on reset:
// at RDP level 1 the flash is then closed to the CPU too (RM0433 §4.5.3).
func (c *Chip) debugConnect(ctrlStat uint32) {
	if ctrlStat&(1<<28) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.powered {
		return
	}
	c.debugSeen = true
	c.checkPC(c.core)
}

func (c *Chip) cpuFlashBlocked() bool { return c.debugSeen && c.opt.level() == 1 }

// checkPC locks the core up when it runs from flash the CPU cannot read.
func (c *Chip) checkPC(core *cortexm.Core) {
	if !core.Running() || !c.cpuFlashBlocked() {
		return
	}
	if pc := core.Reg(cortexm.RegPC); pc-FlashBase < FlashSize {
		core.LockUp()
	}
}

// debugBlocked is RDP level 2: the debug port answers, the system does
// not (RM0433 §4.5.3). Called without Mu held.
func (c *Chip) debugBlocked() bool { return c.Level() == 2 }

// settle ends timed operations whose time has passed (Mu held).
func (c *Chip) settle() {
	c.f.settle(c)
	c.q.settle(c)
}

type lockedBus struct {
	c *Chip
	m *memmap.Map
}

func (l lockedBus) Read(addr uint32, size int) (uint32, time.Duration, error) {
	c := l.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.powered {
		return 0, 0, hw.ErrBusFault
	}
	c.settle()
	return l.m.Read(addr, size)
}

func (l lockedBus) Write(addr uint32, size int, v uint32) (time.Duration, error) {
	c := l.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.powered {
		return 0, hw.ErrBusFault
	}
	c.settle()
	return l.m.Write(addr, size, v)
}

// dbgmcuBus is DBGMCU (RM0433 §60.5.8): IDCODE at +0, CR at +4 (reset by
// power-on only), the APBxFZ freeze registers kept as written.
type dbgmcuBus struct{ c *Chip }

func (d dbgmcuBus) Read(off uint32, size int) (uint32, time.Duration, error) {
	w := uint32(0)
	switch off &^ 3 {
	case 0:
		w = IDCODE
	case 4:
		w = d.c.dbgmcuCR
	}
	return stm32x.Lane(w, off, size), 0, nil
}

func (d dbgmcuBus) Write(off uint32, size int, v uint32) (time.Duration, error) {
	if off&^3 == 4 && size == 4 {
		// DBGSLEEP_D1/DBGSTOP_D1/DBGSTBY_D1, D3DBGCKEN, D1DBGCKEN,
		// TRGOEN and the D2/D3 bits (RM0433 §60.5.9).
		d.c.dbgmcuCR = v & 0x307003BF
	}
	return 0, nil
}

// sysInfoBus is the read-only system area at 0x1FF1E800: the 96-bit
// unique ID, then the flash size in KiB at +0x80 (RM0433 §61.1, §61.2).
type sysInfoBus struct{ c *Chip }

func (s sysInfoBus) Read(off uint32, size int) (uint32, time.Duration, error) {
	a := off &^ 3
	w := uint32(0xFFFFFFFF)
	switch {
	case a < 12:
		w = stm32x.UIDWord(s.c.uid, a)
	case a == 0x80:
		w = 0xFFFF0000 | FlashSize>>10 // "flash size probed value 128k"
	}
	return stm32x.Lane(w, off, size), 0, nil
}

func (sysInfoBus) Write(uint32, int, uint32) (time.Duration, error) { return 0, hw.ErrBusFault }
