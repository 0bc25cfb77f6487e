package stm32f1

import "github.com/flashstation/flashstation/drivers/sim/chip/cortexm/unicorn"

// HSI is the internal RC oscillator SYSCLK runs from after reset (RM0008
// §7.2.1); HSE is the Blue Pill's 8 MHz crystal.
const (
	HSI = 8_000_000
	HSE = 8_000_000
)

// exec makes the Cortex-M3 execute code at SYSCLK.
var exec = unicorn.CortexM3

// sysclk is SYSCLK from RCC_CFGR (word 1) as last written (RM0008
// §7.3.2): SW 0 HSI, 1 HSE, 2 PLL; PLLSRC (bit 16) HSI/2 or HSE
// (PLLXTPRE, bit 17, halves it); PLLMUL [21:18] x2..x16. The ready flags
// follow their enables at once in this RCC model.
func sysclk(rcc []uint32) uint32 {
	cfgr := rcc[1]
	switch cfgr & 3 {
	case 1:
		return HSE
	case 2:
		in := uint32(HSI / 2)
		if cfgr&(1<<16) != 0 {
			in = HSE
			if cfgr&(1<<17) != 0 {
				in /= 2
			}
		}
		mul := (cfgr>>18)&0xF + 2
		if mul > 16 {
			mul = 16
		}
		return in * mul
	}
	return HSI
}
