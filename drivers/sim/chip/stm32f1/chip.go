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

	DevID = 0x410
	// Genuine ST identity; the compatibles' are in identity.go.
	RevY     = 0x2003 // genuine revision Y
	DPIDR    = 0x1BA01477
	CPUTAP   = 0x3BA00477
	BSTAP    = 0x16410041 // medium density rev B/Z
	CPUID    = 0x411FC231 // Cortex-M3 r1p1
	AHBAPIDR = 0x14770011 // Cortex-M3 r1 AHB-AP, revision 1

	ProgramTime = 52500 * time.Nanosecond
	EraseTime   = 20 * time.Millisecond
)

// Config selects and seeds one simulated chip.
type Config struct {
	Variant string // "stm32f103c8" (64 KiB) or "stm32f103cb" (128 KiB)
	Maker   Maker  // whose silicon: MakerST (genuine) or a compatible
	Locked  bool   // option bytes start with readout protection on
	Seed    uint64 // stable per instance: the unique ID derives from it
	Clock   *clock.Clock
	Faults  *fault.Injector
}

// Chip is one simulated STM32F103 board. The embedded Board is the supply,
// nRESET and debug port plumbing; the FPEC and option bytes are here.
type Chip struct {
	*stm32x.Board
	mu    sync.Mutex
	cfg   Config
	clk   *clock.Clock
	flash memmap.Mem
	opt   [8]uint16 // option bytes as stored: byte | complement<<8

	f fpec
	// Loaded option state (PM0075 §2.5: at power-on and system reset only).
	rdp      bool
	optErr   bool
	obrBytes uint32 // OBR[25:2]: USER, Data0, Data1
	wrpr     uint32
}

var _ hw.Chip = (*Chip)(nil)

// New builds a powered chip with erased flash.
func New(cfg Config) (*Chip, error) {
	id, ok := Identities[cfg.Maker]
	if !ok {
		return nil, fmt.Errorf("stm32f1: unknown maker %q (want one of %q)", cfg.Maker, Makers)
	}
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
	c := &Chip{cfg: cfg, clk: cfg.Clock, flash: make(memmap.Mem, size)}
	c.flash.Fill(0, uint32(size), 0xFF)
	c.opt = [8]uint16{0x5AA5, 0x00FF, 0x00FF, 0x00FF, 0x00FF, 0x00FF, 0x00FF, 0x00FF}
	if cfg.Locked {
		c.opt[0] = 0xFF00 // RDP byte 0x00: protected
	}
	// The JTAG chain is the boundary-scan TAP, then the Cortex-M3 JTAG-DP
	// (RM0008 §31.6.1; OpenOCD's stm32f1x.cfg declares the CPU TAP first
	// because it lists TAPs from TDO).
	name := cfg.Variant
	if cfg.Maker != MakerST {
		name += "+" + string(cfg.Maker)
	}
	bc := stm32x.BoardConfig{
		Name: name, Mu: &c.mu, Flash: c.flash, FlashBus: flashBus{c}, SRAM: memmap.NewRAM(SRAMSize),
		Peripherals: []memmap.Region{{Base: 0x1FFFF000, Size: 0x810, Bus: sysBus{c}}, {Base: FPECBase, Size: 0x400, Bus: fpecBus{c}}},
		RCCBase:     0x40021000, RCCCFGR: 1,
		IDCODE:     id.IDCODE,
		DBGMCUMask: 0x7FFFE7, // DBG_SLEEP..DBG_TIM11_STOP, TRACE bits
		UID:        stm32x.NewUID(cfg.Seed),
		CPU:        cortexm.Config{CPUID: id.CPUID, Clock: c.clk, ROMPart: id.ROMPart, ROMJEP106: id.ROMJEP106},
		DPIDR:      id.DPIDR, APIDR: id.APIDR,
		// PM0075 §2.4.1: read protection shuts the CPU out of main flash
		// in debug mode (Mu held when called).
		DebugLocksFlash: func() bool { return c.rdp },
		JTAG:            []hw.TAPSpec{{IRLen: 5, IDCODE: id.BSTAP, DP: -1}, {IRLen: 4, IDCODE: id.CPUTAP, DP: 0}},
		Reset:           c.resetPeripherals,
		Settle:          func() { c.f.settle(c) },
		Exec:            &stm32x.ExecConfig{Model: exec, Hz: sysclk},
		// GPIOA..E (RM0008 §9.2: CRL/CRH reset 0x44444444, ODR 0x0C,
		// BSRR 0x10, BRR 0x14).
		GPIO: stm32x.GPIOConfig{Base: 0x40010800, Ports: 5, ODR: 0x0C, BSRR: 0x10, BRR: 0x14,
			ResetWords: map[uint32]uint32{0x00: 0x44444444, 0x04: 0x44444444}},
	}
	c.Board = stm32x.NewBoard(bc)
	if err := c.ExecErr(); err != nil {
		return nil, fmt.Errorf("stm32f1: %s: %w", cfg.Variant, err)
	}
	return c, nil
}

// resetPeripherals resets the FPEC and reloads the option bytes.
func (c *Chip) resetPeripherals() {
	c.f = fpec{}
	c.f.reset()
	c.loadOptions()
}

// Locked reports the loaded readout protection state (OBR.RDPRT).
func (c *Chip) Locked() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rdp
}
