// Package stm32f1 models an STM32F103C8/CB (and the GD32F103, CS32F103
// and APM32F103 compatibles)
// as a debugger sees it: the memory map, the flash program/erase controller
// (FPEC) at register level with modeled BSY time, option bytes with
// readout and write protection, the identity registers, and the Cortex-M3
// core from drivers/sim/chip/cortexm.
//
// Manual sections modelled:
//   - RM0008 §3.3.3 / §4.2 memory map and boot aliasing (BOOT0 low: flash
//     at 0x00000000), §30.1 96-bit unique ID (0x1FFFF7E8), §30.2 flash size
//     (0x1FFFF7E0), §31.6.3 DBGMCU_IDCODE (0xE0042000), §31.16.3 DBGMCU_CR
//     (reset by power-on only), §31.6 JTAG chain (TDI → boundary scan TAP →
//     Cortex-M3 JTAG-DP → TDO)
//   - PM0075 §2.3 FPEC: unlock keys (a wrong sequence locks CR until
//     reset), halfword programming (other widths: bus error; a non-erased
//     target halfword: PGERR and nothing written, except writing 0x0000),
//     page erase, mass erase, write protection (WRPRTERR), reads stall while
//     BSY; §2.4 read protection; §2.5 option bytes (value + complement,
//     loaded at power-on or system reset only); §3 FPEC registers
//   - DS5319 Table 28: typical halfword program 52.5 µs, page/mass erase
//     20 ms (the modeled BSY time)
//
// Every access reaches the model through the debugger (no firmware runs), so
// read protection applies to all of them: under RDP, main flash reads are bus
// errors and program/page erase set WRPRTERR; mass erase and option erase
// stay allowed. The CPU's own vector fetch is cut off too once a debugger
// has connected (DP CDBGPWRUPREQ) since the last power-on: a protected
// chip locks up at a system reset instead of booting, until a power cycle
// without a debugger (PM0075 §2.4.1: "apply a POR ... instead of a system
// reset"; see stm32x.Board).
//
// The compatibles differ where real ones do (identity.go, with every value's
// source in drivers/sim/IDENTITY.md): Cortex-M3 r2p1 (CPUID 0x412FC231);
// CS32 and APM32 the r2 debug port (DPIDR 0x2BA01477, AHB-AP IDR 0x24770011,
// JTAG 0x4BA00477) and ARM's ROM table; GD32 REV_ID 0x1303, GigaDevice's ROM
// table and the SRAM size beside the flash size; on an APM32 a halfword
// written to flash while BSY is silently dropped instead of stalling the
// bus (embassy found APM32F103s losing data this way).
package stm32f1
