// Package stm32f4 drives STM32F411 flash through a debug probe,
// host-driven: no code runs on the chip.
//
// Sources: RM0383 rev 3 §3.5–3.6 (flash interface: keys, sector and mass
// erase, programming with PSIZE, option bytes and RDP levels 0/1/2),
// §3.8 (FLASH_SR, FLASH_CR, FLASH_OPTCR bits), §23.6.1 (DBGMCU_IDCODE),
// §24.1–24.2 (flash size, unique ID); OpenOCD src/flash/nor/stm32f2x.c
// (option write and lock/unlock sequences, RDP values). Addresses and the
// sector map come from targets/facts.
//
// Decisions:
//   - Programming uses PSIZE x32 (2.7–3.6 V supply), one word at a time
//     with SR.BSY polled before the next; on CMSIS-DAP the words and the
//     value-match polls go out in batches, on ST-Link every word costs its
//     own write and status read.
//   - Sector erase writes CR=SER|SNB|PSIZE, then sets STRT (RM0383 §3.6.3
//     lists them as two steps).
//   - Unlock: OPTCR.RDP=0xAA with OPTSTRT; the chip mass-erases (up to
//     ~16 s), then a reset and OPTCR read back. RDP 0xCC (level 2, for
//     ever) is refused in code, never written.
//   - Lock: OPTCR.RDP=0x00 as OpenOCD does, keeping the other option
//     bits; reset; OPTCR read back as proof.
package stm32f4
