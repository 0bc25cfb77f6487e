package stm32h7

import (
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/stm32x"
)

// RCC registers QUADSPI needs (RM0433 §8.7): CR (oscillators), CFGR (system
// clock switch), D1CCIPR (QUADSPI kernel clock), AHB3RSTR/AHB3ENR (QUADSPI
// reset and clock), AHB4ENR (GPIO clocks). Others keep what is written.
const (
	rccCR       = 0x000
	rccCFGR     = 0x010
	rccD1CCIPR  = 0x04C
	rccAHB3RSTR = 0x07C
	rccAHB3ENR  = 0x0D4
	rccAHB4ENR  = 0x0E0

	ahb3QSPI = 1 << 14

	// HSIFreq is the HSI oscillator, the reset system and AHB clock
	// (RM0433 §8.5.2: hsi_ck 64 MHz, HSIDIV /1).
	HSIFreq = 64_000_000
)

type rcc struct{ reg [0x400 / 4]uint32 }

// newRCC: CR resets to HSION, HSIRDY, HSIDIVF and D1/D2CKRDY (RM0433
// §8.7.2: 0x0000_0025 plus the domain-ready flags while the domains run).
func newRCC() rcc {
	var r rcc
	r.reg[rccCR/4] = 0x0000C025
	return r
}

// qspiClocked reports AHB3ENR.QSPIEN (and QUADSPI out of reset).
func (r *rcc) qspiClocked() bool {
	return r.reg[rccAHB3ENR/4]&ahb3QSPI != 0 && r.reg[rccAHB3RSTR/4]&ahb3QSPI == 0
}

// gpioClocked reports AHB4ENR.GPIOxEN for port i (A = 0).
func (r *rcc) gpioClocked(i int) bool { return r.reg[rccAHB4ENR/4]&(1<<i) != 0 }

// qspiKernelHz is the QUADSPI kernel clock: QSPISEL 00 is rcc_hclk3, which
// runs from the HSI at reset. The PLLs and bus prescalers are not
// modelled; another selection is taken as the same 64 MHz.
func (r *rcc) qspiKernelHz() uint32 { return HSIFreq }

type rccBus struct{ c *Chip }

func (b rccBus) Read(off uint32, size int) (uint32, time.Duration, error) {
	r := &b.c.rcc
	i := off / 4
	w := r.reg[i]
	switch off &^ 3 {
	case rccCR:
		// Each oscillator's RDY follows its ON bit: HSI 0->2, CSI 7->8,
		// HSI48 12->13, HSE 16->17, PLL1..3 24/26/28 -> 25/27/29.
		for _, p := range [][2]uint{{0, 2}, {7, 8}, {12, 13}, {16, 17}, {24, 25}, {26, 27}, {28, 29}} {
			w = w&^(1<<p[1]) | (w>>p[0]&1)<<p[1]
		}
	case rccCFGR:
		w = w&^(7<<3) | (w&7)<<3 // SWS follows SW
	}
	return stm32x.Lane(w, off, size), 0, nil
}

func (b rccBus) Write(off uint32, size int, v uint32) (time.Duration, error) {
	r := &b.c.rcc
	i := off / 4
	r.reg[i] = stm32x.Merge(r.reg[i], off, size, v)
	if off&^3 == rccAHB3RSTR && r.reg[i]&ahb3QSPI != 0 {
		b.c.q = qspi{} // held in reset
	}
	return 0, nil
}

// GPIO ports A..K at 0x58020000 + 0x400*n (RM0433 §11.4): MODER, OTYPER,
// OSPEEDR, PUPDR, IDR, ODR, BSRR, LCKR, AFRL, AFRH.
type gpioPort struct {
	moder, otyper, ospeedr, pupdr, odr uint32
	afr                                [2]uint32
}

// newGPIO: MODER resets to analog (0xFFFFFFFF) except port A (0xABFFFFFF)
// and B (0xFFFFFEBF), which keep the JTAG/SWD pins (RM0433 §11.4.1).
func newGPIO(i int) gpioPort {
	var g gpioPort
	g.moder = 0xFFFFFFFF
	switch i {
	case 0:
		g.moder = 0xABFFFFFF
		g.pupdr = 0x64000000
	case 1:
		g.moder = 0xFFFFFEBF
		g.pupdr = 0x00000100
	}
	return g
}

// alternate reports whether pin n of the port is in alternate function af.
func (g *gpioPort) alternate(n, af int) bool {
	return g.moder>>(2*n)&3 == 2 && int(g.afr[n/8]>>(4*(n%8))&0xF) == af
}

type gpioBus struct{ c *Chip }

func (b gpioBus) Read(off uint32, size int) (uint32, time.Duration, error) {
	port := int(off / 0x400)
	g := &b.c.gpio[port]
	w := uint32(0)
	if b.c.rcc.gpioClocked(port) {
		switch off % 0x400 &^ 3 {
		case 0x00:
			w = g.moder
		case 0x04:
			w = g.otyper
		case 0x08:
			w = g.ospeedr
		case 0x0C:
			w = g.pupdr
		case 0x10:
			w = g.odr // inputs read back the outputs: nothing else drives them
		case 0x14:
			w = g.odr
		case 0x20:
			w = g.afr[0]
		case 0x24:
			w = g.afr[1]
		}
	}
	return stm32x.Lane(w, off, size), 0, nil
}

// Write: an unclocked port ignores writes (RM0433 §8.5.11: a peripheral's
// registers need its clock).
func (b gpioBus) Write(off uint32, size int, v uint32) (time.Duration, error) {
	port := int(off / 0x400)
	if !b.c.rcc.gpioClocked(port) {
		return 0, nil
	}
	g := &b.c.gpio[port]
	reg := off % 0x400
	set := func(p *uint32) { *p = stm32x.Merge(*p, reg, size, v) }
	switch reg &^ 3 {
	case 0x00:
		set(&g.moder)
	case 0x04:
		set(&g.otyper)
	case 0x08:
		set(&g.ospeedr)
	case 0x0C:
		set(&g.pupdr)
	case 0x14:
		set(&g.odr)
	case 0x18:
		w := stm32x.Merge(0, reg, size, v)
		g.odr = (g.odr | w&0xFFFF) &^ (w >> 16)
	case 0x20:
		set(&g.afr[0])
	case 0x24:
		set(&g.afr[1])
	}
	return 0, nil
}
