package stm32f4

import "github.com/flashstation/flashstation/drivers/sim/chip/cortexm/unicorn"

// HSI is the 16 MHz RC oscillator SYSCLK runs from after reset (RM0383
// §6.2.2); HSE is the Black Pill's 25 MHz crystal.
const (
	HSI = 16_000_000
	HSE = 25_000_000
)

// exec: the Cortex-M4F executes as Unicorn's Cortex-M4 (FPU off: CPACR is
// the PPB model's, not the engine's).
var exec = unicorn.CortexM4

// sysclk is SYSCLK from RCC_CFGR (word 2) and RCC_PLLCFGR (word 1) as last
// written (RM0383 §6.3.2-6.3.3): SW 0 HSI, 1 HSE, 2 PLL = in / PLLM *
// PLLN / PLLP with PLLSRC (bit 22) HSI or HSE. The RCC stand-in keeps
// zeros until written, so a zero PLLCFGR reads as its reset value
// 0x24003010 (M 16, N 192, P 2).
func sysclk(rcc []uint32) uint32 {
	switch rcc[2] & 3 {
	case 1:
		return HSE
	case 2:
		p := rcc[1]
		if p == 0 {
			p = 0x24003010
		}
		in := uint64(HSI)
		if p&(1<<22) != 0 {
			in = HSE
		}
		m, n, div := uint64(p&0x3F), uint64(p>>6&0x1FF), uint64((p>>16&3)+1)*2
		if m < 2 || n < 2 {
			return HSI
		}
		return uint32(in / m * n / div)
	}
	return HSI
}
