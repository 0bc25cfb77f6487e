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
	AHBAPIDR = 0x24770011 // Cortex-M4 AHB-AP (J-Link "AHB-AP (IDR: 0x24770011)")

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

// Chip is one simulated STM32F411 board. The embedded Board is the supply,
// nRESET and debug port plumbing; the FLASH interface and option bytes are
// here.
type Chip struct {
	*stm32x.Board
	mu    sync.Mutex
	cfg   Config
	clk   *clock.Clock
	flash memmap.Mem
	opt   uint32 // option bytes as stored, in OPTCR layout (no lock/start bits)

	f     flashIF
	level int // loaded RDP level 0, 1, 2 (RM0383 §3.6.3)
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
	c := &Chip{cfg: cfg, clk: cfg.Clock, flash: make(memmap.Mem, size)}
	c.flash.Fill(0, uint32(size), 0xFF)
	c.opt = optReset
	if cfg.Locked {
		c.opt &^= 0xFF00 // RDP 0x00: level 1
	}
	// The JTAG chain is the boundary-scan TAP, then the Cortex-M4 JTAG-DP
	// (RM0383 §23.5.1; OpenOCD's stm32f4x.cfg declares the CPU TAP first
	// because it lists TAPs from TDO).
	c.Board = stm32x.NewBoard(stm32x.BoardConfig{
		Name: cfg.Variant, Mu: &c.mu, Flash: c.flash, FlashBus: flashBus{c}, SRAM: memmap.NewRAM(SRAMSize),
		Peripherals: []memmap.Region{
			{Base: 0x1FFF7800, Size: 0x230, Bus: sysBus{c}},
			{Base: 0x1FFFC000, Size: 0x10, Bus: optBus{c}},
			{Base: FlashIF, Size: 0x400, Bus: flashIFBus{c}},
		},
		RCCBase: 0x40023800, RCCCFGR: 2,
		// Bits 15:12 are reserved in RM0383 §23.6.1 but read 6 on real
		// parts: OpenOCD "device id = 0x10006431", st-flash "stm32f411re,
		// id 0x10006431" (drivers/sim/IDENTITY.md).
		IDCODE:     uint32(RevA)<<16 | 0x6000 | DevID,
		DBGMCUMask: 0xE7, // DBG_SLEEP, DBG_STOP, DBG_STANDBY, TRACE bits
		UID:        stm32x.NewUID(cfg.Seed),
		CPU:        cortexm.Config{CPUID: CPUID, FPU: true, Clock: c.clk, ROMPart: DevID, ROMJEP106: 0x20},
		DPIDR:      DPIDR, APIDR: AHBAPIDR,
		Blocked: c.debugBlocked,
		// Level 1 only: at level 2 no debugger can connect (RM0383
		// §3.6.3), so the CPU always boots its flash. Mu held when called.
		DebugLocksFlash: func() bool { return c.level == 1 },
		JTAG:            []hw.TAPSpec{{IRLen: 5, IDCODE: BSTAP, DP: -1}, {IRLen: 4, IDCODE: CPUTAP, DP: 0}},
		Reset:           c.resetPeripherals,
		Settle:          func() { c.f.settle(c) },
		Exec:            &stm32x.ExecConfig{Model: exec, Hz: sysclk},
		// GPIOA..E (RM0383 §8.4: ODR 0x14, BSRR 0x18; MODER reset
		// values of the debug pins are not modelled).
		GPIO: stm32x.GPIOConfig{Base: 0x40020000, Ports: 5, ODR: 0x14, BSRR: 0x18},
	})
	if err := c.ExecErr(); err != nil {
		return nil, fmt.Errorf("stm32f4: %s: %w", cfg.Variant, err)
	}
	return c, nil
}

// resetPeripherals resets the flash interface and reloads the option bytes.
func (c *Chip) resetPeripherals() {
	c.f = flashIF{}
	c.loadOptions()
}

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
