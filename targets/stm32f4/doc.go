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
//   - Programming uses PSIZE x32 (2.7–3.6 V supply). On ST silicon words
//     stream back to back: a write while BSY stalls the bus (RM0383 §3.5),
//     the probe's WAIT retries pace it, SR is checked once per 2 KiB chunk
//     and verify is the proof (Black Magic Debug does the same). A chip
//     not known as ST's (CPUID, DPIDR, revision) gets BSY polled before
//     every word. The choice is logged per Program.
//   - A write the probe reports failed is never repeated on a guess: the
//     stream waits for BSY=0 and reads flash back to find where to resume.
//     The key sequence is written once per try, with a reset and one more
//     try when CR stays locked (a wrong sequence locks it until reset).
//   - Sector erase writes CR=SER|SNB|PSIZE, then sets STRT (RM0383 §3.6.3
//     lists them as two steps).
//   - Unlock: OPTCR.RDP=0xAA with OPTSTRT; the chip mass-erases (up to
//     ~16 s), then a reset and OPTCR read back. RDP 0xCC (level 2, for
//     ever) is refused in code, never written.
//   - Lock: OPTCR.RDP=0x00 as OpenOCD does, keeping the other option
//     bits; reset; OPTCR read back as proof.
package stm32f4
