package rp2040

// Clock generation registers (RP2040 datasheet §2.15 CLOCKS, §2.16 XOSC,
// §2.18 PLL, §2.14 RESETS). All of them sit on the APB, where every
// register also has atomic aliases (§2.1.2): +0x2000 sets the written
// bits, +0x3000 clears them.
const (
	aliasSet uint32 = 0x2000
	aliasClr uint32 = 0x3000
)

// CLOCKS (§2.15.7). clk_ref and clk_sys have glitchless muxes: SRC
// switches cleanly and SELECTED (one-hot of SRC) says when it has; AUXSRC
// glitches and may only change while SRC does not select the aux input.
const (
	clocksBase     uint32 = 0x40008000
	clkRefCtrl            = clocksBase + 0x30
	clkRefDiv             = clocksBase + 0x34
	clkRefSelected        = clocksBase + 0x38
	clkSysCtrl            = clocksBase + 0x3C
	clkSysDiv             = clocksBase + 0x40
	clkSysSelected        = clocksBase + 0x44

	clkRefSrcMask uint32 = 3      // CTRL SRC [1:0]
	clkRefSrcROSC uint32 = 0      // rosc_clksrc_ph
	clkRefSrcXOSC uint32 = 2      // xosc_clksrc
	clkSysSrcAux  uint32 = 1      // CTRL SRC [0]: 0 clk_ref, 1 clksrc_clk_sys_aux
	clkSysAuxMask uint32 = 7 << 5 // CTRL AUXSRC [7:5]; 0 is clksrc_pll_sys
	clkDivOne     uint32 = 1 << 8 // DIV INT = 1, FRAC = 0 (the reset value)
)

// XOSC (§2.16.7). ENABLE and FREQ_RANGE take 12-bit magic codes.
const (
	xoscBase       uint32 = 0x40024000
	xoscCtrl              = xoscBase + 0x00
	xoscStatus            = xoscBase + 0x04
	xoscStartup           = xoscBase + 0x0C
	xoscRange1to15 uint32 = 0xAA0
	xoscEnable     uint32 = 0xFAB << 12
	xoscDisable    uint32 = 0xD1E << 12
	xoscStable     uint32 = 1 << 31
	// STARTUP DELAY counts 256 crystal periods: (12 MHz / 1 kHz + 128) /
	// 256 = 47 is the SDK's ~1 ms for a 12 MHz crystal.
	xoscStartupDelay uint32 = (12_000_000/1000 + 128) / 256
)

// PLL_SYS (§2.18.4) and its reset line (§2.14.3 RESETS bit 12).
const (
	pllSysBase      uint32 = 0x40028000
	pllCS                  = pllSysBase + 0x0
	pllPwr                 = pllSysBase + 0x4
	pllFBDiv               = pllSysBase + 0x8
	pllPrim                = pllSysBase + 0xC
	pllLock         uint32 = 1 << 31 // CS
	pllPwrPD        uint32 = 1 << 0
	pllPwrPostDivPD uint32 = 1 << 3
	pllPwrVCOPD     uint32 = 1 << 5

	resetsBase  uint32 = 0x4000C000
	resetsReset        = resetsBase + 0x0
	resetsDone         = resetsBase + 0x8
	resetPLLSys uint32 = 1 << 12
)

// pllConfig is one PLL_SYS setting from the 12 MHz crystal. Constraints
// (§2.18.2): reference ≥ 5 MHz after REFDIV, FBDIV 16..320, VCO
// 750..1600 MHz, POSTDIV1 and POSTDIV2 1..7.
type pllConfig struct {
	refDiv, fbDiv, postDiv1, postDiv2 uint32
}

// sysPLL is the SDK's default 125 MHz (VCO 1500 MHz / 6 / 2): the clk_sys
// every pico-sdk program runs at, within the 133 MHz rating.
var sysPLL = pllConfig{refDiv: 1, fbDiv: 125, postDiv1: 6, postDiv2: 2}

const xoscHz = 12_000_000

func (p pllConfig) vcoHz() uint64 { return uint64(xoscHz) / uint64(p.refDiv) * uint64(p.fbDiv) }
func (p pllConfig) outHz() uint32 { return uint32(p.vcoHz() / uint64(p.postDiv1*p.postDiv2)) }
func (p pllConfig) prim() uint32  { return p.postDiv1<<16 | p.postDiv2<<12 }

// valid checks p against §2.18.2.
func (p pllConfig) valid() bool {
	if p.refDiv == 0 || p.postDiv1 == 0 || p.postDiv2 == 0 {
		return false
	}
	vco := p.vcoHz()
	return xoscHz/p.refDiv >= 5_000_000 &&
		p.fbDiv >= 16 && p.fbDiv <= 320 &&
		vco >= 750_000_000 && vco <= 1_600_000_000 &&
		p.postDiv1 >= 1 && p.postDiv1 <= 7 && p.postDiv2 >= 1 && p.postDiv2 <= 7
}
