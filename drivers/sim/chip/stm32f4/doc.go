// Package stm32f4 models an STM32F411CE as a debugger sees it: 512 KiB of
// flash in eight sectors behind the FLASH interface (0x40023C00) at register
// level with modeled BSY time, option bytes with readout protection levels
// and sector write protection, identity registers, and the Cortex-M4F core
// from drivers/sim/chip/cortexm.
//
// Manual sections modelled (RM0383 Rev 4 unless noted):
//   - §3.3 Table 4 flash organisation (sectors 0–3 16 KiB, 4 64 KiB, 5–7
//     128 KiB; system memory, OTP 0x1FFF7800, option bytes 0x1FFFC000)
//   - §3.5.1 unlock (KEY1, KEY2; a wrong sequence is a bus error and locks
//     FLASH_CR until reset), §3.5.2 program/erase parallelism (PSIZE),
//     §3.5.3 sector and mass erase (STRT may come in the same write as
//     SER|SNB), §3.5.4 programming (PG, write of PSIZE width; bits only go
//     1→0), §3.5.5 PGSERR/PGPERR/PGAERR/WRPERR, §3.5 "any attempt to read
//     the flash while it is being written or erased causes the bus to stall"
//   - §3.6 option bytes: OPTKEYR keys, OPTCR, OPTSTRT; §3.6.3 read
//     protection levels 0 (0xAA), 1 (other), 2 (0xCC: debug disabled for
//     good); level 1→0 mass-erases the flash; OPTCR reloads at reset
//   - §3.8 FLASH registers; §24.2 unique ID 0x1FFF7A10, flash size
//     0x1FFF7A22; §23.6.1 DBGMCU_IDCODE; §23.5.1 JTAG chain (TDI → boundary
//     scan TAP → JTAG-DP → TDO)
//   - DS10314 Table 45: typical x32 program 16 µs, sector erase 250/550/
//     1000 ms, mass erase 4 s (the modeled BSY times)
//
// Every access comes from the debugger (no firmware runs), so level 1
// applies to all of them: flash reads are bus errors and program/erase set
// WRPERR. The CPU's own vector fetch is cut off at level 1 too once a
// debugger has connected (DP CDBGPWRUPREQ) since the last power-on: the
// core locks up at a system reset instead of booting, until a power cycle
// without a debugger (§3.6.3; see stm32x.Board). Level 2 cuts the debugger
// off (the MEM-AP's Blocked hook) and freezes the option bytes.
package stm32f4
