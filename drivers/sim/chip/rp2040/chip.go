package rp2040

import (
	"fmt"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/cortexm"
	"github.com/flashstation/flashstation/drivers/sim/chip/w25q"
	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/fault"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// Identity (datasheet §2.3.4.2, §2.15; ARM CPUID for Cortex-M0+ r0p1).
const (
	DPIDR       = 0x0BC12477
	TargetID    = 0x01002927
	RescueInst  = 0xF
	AHBAPIDR    = 0x04770031
	CPUID       = 0x410CC601
	ROMTableTop = 0xE00FF003 // MEM-AP BASE: Cortex-M0+ ROM table, present
)

// Memory map.
const (
	XIPBase  = 0x10000000
	SSIBase  = 0x18000000
	SRAMBase = 0x20000000
	SRAMSize = 0x42000 // 264 KiB
)

// Config builds a Chip.
type Config struct {
	// Variant is the silicon revision: "B0", "B1" or "B2" (default).
	Variant string
	// Seed makes the flash's 64-bit unique ID.
	Seed   uint64
	Clock  *clock.Clock
	Faults *fault.Injector
	// SysClockHz is the ring oscillator's frequency, nominally 6.5 MHz
	// (datasheet §2.17): clk_ref and clk_sys run from it after every chip
	// reset. A host that starts the crystal and PLL_SYS and switches
	// clk_sys to it raises clk_sys (§2.15); the SSI clocks SPI bytes at
	// clk_sys / BAUDR.
	SysClockHz uint32
	// XoscHz is the crystal on XIN/XOUT (default 12 MHz, as on the Pico).
	XoscHz uint32
}

// Chip is one RP2040 board with its QSPI flash.
type Chip struct {
	cfg    Config
	clk    *clock.Clock
	flash  *w25q.Flash
	rom    []byte
	romFn  [ROMSize / 2]fn
	chipID uint32
	sram   []byte
	cores  [2]*cortexm.Core
	views  [2]view
	dps    []hw.DPSpec

	powered   bool
	runHeld   bool // RUN pin low
	rescueReq bool // rescue DP CDBGPWRUPREQ
	chipReset uint32

	ssi ssi
	xip xipState

	// fclk is the flash's clock: the probe's, except while a bootrom call
	// applies its steps, each at its own modeled time (flashcall.go).
	fclk       *clock.Clock
	call       *flashCall
	returnedAt [2]time.Duration

	// Clock generation (clocks.go, xosc.go, pll.go, resets.go).
	rst    resets
	xo     xosc
	pllSys pll
	pllUSB pll
	clks   clocks
}

var _ hw.Chip = (*Chip)(nil)

// New returns a powered-on RP2040 whose flash is erased.
func New(cfg Config) (*Chip, error) {
	var romVersion byte
	var rev uint32
	switch cfg.Variant {
	case "B0":
		romVersion, rev = 1, 1
	case "B1":
		romVersion, rev = 2, 1
	case "", "B2":
		cfg.Variant, romVersion, rev = "B2", 3, 2
	default:
		return nil, fmt.Errorf("rp2040: unknown variant %q (want B0, B1 or B2)", cfg.Variant)
	}
	if cfg.Clock == nil {
		cfg.Clock = new(clock.Clock)
	}
	if cfg.SysClockHz == 0 {
		cfg.SysClockHz = 6_500_000
	}
	if cfg.XoscHz == 0 {
		cfg.XoscHz = 12_000_000
	}
	c := &Chip{cfg: cfg, clk: cfg.Clock, chipID: rev<<28 | 0x0002<<12 | 0x927,
		sram: make([]byte, SRAMSize)}
	c.rom, c.romFn = buildROM(romVersion)
	c.fclk = new(clock.Clock)
	c.syncFlash()
	c.flash = w25q.New(w25q.Config{Seed: cfg.Seed, Clock: c.fclk, Faults: cfg.Faults, CellBase: XIPBase})
	for i := range c.cores {
		c.views[i] = view{c: c, core: uint32(i)}
		v := &c.views[i]
		c.cores[i] = cortexm.New(cortexm.Config{CPUID: CPUID, Clock: cfg.Clock, CoreHz: cfg.SysClockHz,
			Fetch:         v.fetch,
			OnSysResetReq: c.sysResetReq(i)})
		c.cores[i].SetOnResume(c.onResume)
	}
	c.dps = []hw.DPSpec{c.coreDP(0), c.coreDP(1), {
		DPIDR: DPIDR, Version: 2, TargetID: TargetID, Instance: RescueInst,
		OnCtrlStat: c.rescueCtrlStat,
	}}
	c.SetPower(true)
	return c, nil
}

func (c *Chip) coreDP(i int) hw.DPSpec {
	return hw.DPSpec{DPIDR: DPIDR, Version: 2, TargetID: TargetID, Instance: uint8(i),
		APs: []hw.APSpec{{Mem: &hw.MemAPSpec{Bus: &c.views[i], IDR: AHBAPIDR, BASE: ROMTableTop,
			WrapBytes: 1024, Sizes: []int{1, 2}}}}}
}

// Name is the chip's name in the fixture spec.
func (c *Chip) Name() string { return "rp2040" }

// DebugPorts: core 0, core 1 and the rescue DP on one multidrop bus.
func (c *Chip) DebugPorts() []hw.DPSpec { return c.dps }

// JTAGChain is nil: the RP2040 has SWD only.
func (c *Chip) JTAGChain() []hw.TAPSpec { return nil }

// Voltage is 3.3 V while powered.
func (c *Chip) Voltage() float64 {
	if c.powered {
		return 3.3
	}
	return 0
}

// Powered reports the supply state.
func (c *Chip) Powered() bool { return c.powered }

// Flash is the QSPI flash chip (contents, unique ID, busy state) as it is
// at the clock's time.
func (c *Chip) Flash() *w25q.Flash {
	c.catchUp()
	return c.flash
}

// Core returns core 0 or 1, with any bootrom call brought up to the
// clock's time (so Halted and Running answer for now).
func (c *Chip) Core(i int) *cortexm.Core {
	c.catchUp()
	return c.cores[i]
}

// Bus is core i's view of the address space (what its AHB-AP sees).
func (c *Chip) Bus(i int) hw.Bus { return &c.views[i] }

// ROM is the bootrom image.
func (c *Chip) ROM() []byte { return c.rom }

// SRAM is the 264 KiB of striped SRAM at 0x20000000.
func (c *Chip) SRAM() []byte { return c.sram }

// ChipReset is VREG_AND_CHIP_RESET.CHIP_RESET as software reads it.
func (c *Chip) ChipReset() uint32 { return c.chipReset }
