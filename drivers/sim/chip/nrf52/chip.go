package nrf52

import (
	"encoding/binary"
	"fmt"

	"github.com/flashstation/flashstation/drivers/sim/chip/cortexm"
	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/fault"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// Identity.
const (
	DPIDR      = 0x2BA01477
	AHBAPIDR   = 0x24770011
	CtrlAPIDR  = 0x02880000
	CPUID      = 0x410FC241
	romTableAP = 0xE00FF003 // MEM-AP BASE: Cortex-M4 ROM table, present
)

// Memory map.
const (
	FlashSize = 1 << 20
	PageSize  = 4 << 10
	RAMBase   = 0x20000000
	RAMSize   = 256 << 10
	FICRBase  = 0x10000000
	UICRBase  = 0x10001000
	uicrSize  = PageSize
)

// UICR register offsets.
const (
	UICRNRFFW     = 0x014
	UICRCustomer  = 0x080
	UICRPSELReset = 0x200
	UICRAPProtect = 0x208
)

// Config builds a Chip.
type Config struct {
	// Variant is FICR INFO.VARIANT: "AAD0" (default, legacy APPROTECT) or
	// "AAF0" (revision 3, APPROTECT on after every reset).
	Variant string
	// Approtect starts the chip locked: UICR.APPROTECT = 0x00.
	Approtect bool
	Seed      uint64
	Clock     *clock.Clock
	Faults    *fault.Injector
}

// Chip is one nRF52840 board.
type Chip struct {
	cfg    Config
	clk    *clock.Clock
	faults *fault.Injector
	rev3   bool
	flash  []byte
	uicr   []byte
	ficr   [0x400]byte
	ram    []byte
	core   *cortexm.Core
	bus    sysBus
	ctrlAP ctrlAP
	dps    []hw.DPSpec

	powered   bool
	pinReset  bool // nRESET asserted and connected
	protected bool // APPROTECT as latched at the last reset
	disabled  bool // APPROTECT.DISABLE = 0x5A written since reset (rev 3)
	forced    bool // APPROTECT.FORCEPROTECT written since reset (rev 3)
	softReset bool // CTRL-AP RESET held
	eraseReq  bool // CTRL-AP ERASEALL as last written

	nvmc nvmc
}

var _ hw.Chip = (*Chip)(nil)

// New returns a powered-on nRF52840 with erased flash and UICR.
func New(cfg Config) (*Chip, error) {
	var var2 uint32
	switch cfg.Variant {
	case "", "AAD0":
		cfg.Variant, var2 = "AAD0", 4
	case "AAF0":
		var2 = 5
	default:
		return nil, fmt.Errorf("nrf52: unknown variant %q (want AAD0 or AAF0)", cfg.Variant)
	}
	if cfg.Clock == nil {
		cfg.Clock = new(clock.Clock)
	}
	c := &Chip{cfg: cfg, clk: cfg.Clock, faults: cfg.Faults, rev3: var2 >= 5,
		flash: make([]byte, FlashSize), uicr: make([]byte, uicrSize), ram: make([]byte, RAMSize)}
	fillFF(c.flash)
	fillFF(c.uicr)
	c.buildFICR(var2)
	if cfg.Approtect {
		binary.LittleEndian.PutUint32(c.uicr[UICRAPProtect:], 0xFFFFFF00)
	}
	c.bus = sysBus{c}
	c.ctrlAP = ctrlAP{c}
	c.core = cortexm.New(cortexm.Config{CPUID: CPUID, FPU: true, Clock: cfg.Clock, CoreHz: 64_000_000,
		Fetch: c.fetch, OnSysResetReq: c.systemReset})
	c.dps = []hw.DPSpec{{DPIDR: DPIDR, Version: 1, APs: []hw.APSpec{
		{Mem: &hw.MemAPSpec{Bus: &c.bus, IDR: AHBAPIDR, BASE: romTableAP, WrapBytes: 4096,
			Blocked: c.Protected, Sizes: []int{1, 2}}},
		{Custom: &c.ctrlAP, IDR: CtrlAPIDR},
	}}}
	c.SetPower(true)
	return c, nil
}

func fillFF(p []byte) {
	for i := range p {
		p[i] = 0xFF
	}
}

// buildFICR fills the factory information: erased words read 0xFFFFFFFF.
func (c *Chip) buildFICR(var2 uint32) {
	fillFF(c.ficr[:])
	put := func(off, v uint32) { binary.LittleEndian.PutUint32(c.ficr[off:], v) }
	id := mix(c.cfg.Seed)
	put(0x010, PageSize)           // CODEPAGESIZE
	put(0x014, FlashSize/PageSize) // CODESIZE
	put(0x060, uint32(id))         // DEVICEID[0]
	put(0x064, uint32(id>>32))     // DEVICEID[1]
	put(0x0A0, 0xFFFFFFFE)         // DEVICEADDRTYPE: random
	put(0x0A4, uint32(mix(id)))    // DEVICEADDR[0]
	put(0x0A8, uint32(mix(id)>>32)|0xFFFF0000)
	put(0x100, 0x52840) // INFO.PART
	v := c.cfg.Variant  // INFO.VARIANT, ASCII, first letter high
	put(0x104, uint32(v[0])<<24|uint32(v[1])<<16|uint32(v[2])<<8|uint32(v[3]))
	put(0x108, 0x2004) // INFO.PACKAGE: QI (aQFN73)
	put(0x10C, 0x100)  // INFO.RAM, KiB
	put(0x110, 0x400)  // INFO.FLASH, KiB
	put(0x130, 0x08)   // part code the errata functions read
	put(0x134, var2)   // revision code the errata functions read
}

// mix is splitmix64's finaliser: a stable, well-spread ID from a seed.
func mix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// Name is the chip's name in the fixture spec.
func (c *Chip) Name() string { return "nrf52840" }

// DebugPorts: one SW-DP with the AHB-AP (#0) and the CTRL-AP (#1).
func (c *Chip) DebugPorts() []hw.DPSpec { return c.dps }

// JTAGChain is nil: the nRF52840 has SWD only.
func (c *Chip) JTAGChain() []hw.TAPSpec { return nil }

// Voltage is 3.0 V while powered (VDD on a typical module).
func (c *Chip) Voltage() float64 {
	if c.powered {
		return 3.0
	}
	return 0
}

// Core is the Cortex-M4F.
func (c *Chip) Core() *cortexm.Core { return c.core }

// Bus is the system bus as the AHB-AP sees it (ignoring protection).
func (c *Chip) Bus() hw.Bus { return &c.bus }

// CtrlAP is the CTRL-AP, AP #1.
func (c *Chip) CtrlAP() hw.AP { return &c.ctrlAP }

// Flash is the 1 MiB code flash (fixtures and tests read it).
func (c *Chip) Flash() []byte { return c.flash }

// UICR is the 4 KiB UICR page.
func (c *Chip) UICR() []byte { return c.uicr }

// DeviceID is FICR DEVICEID[1]<<32 | DEVICEID[0].
func (c *Chip) DeviceID() uint64 {
	return uint64(binary.LittleEndian.Uint32(c.ficr[0x64:]))<<32 | uint64(binary.LittleEndian.Uint32(c.ficr[0x60:]))
}

// Protected reports whether APPROTECT blocks the AHB-AP now.
func (c *Chip) Protected() bool { return c.powered && c.protected }
