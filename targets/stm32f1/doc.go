// Package stm32f1 drives STM32F103 (and GD32/CS32/APM32 compatibles)
// flash through a debug probe, host-driven: no code runs on the chip.
//
// Sources: RM0008 rev 21 §3.3 (FPEC: unlock keys, halfword programming,
// page and mass erase, option bytes, read protection), §31.6.1
// (DBGMCU_IDCODE), §30.1–30.2 (flash size register, unique ID); PM0075
// §2.3–2.5 (programming and option byte sequences, RDP removal forcing a
// mass erase, options loading at reset); OpenOCD src/flash/nor/stm32f1x.c
// (unlock/lock sequences and messages). Addresses and sizes come from
// targets/facts.
//
// Decisions:
//   - Programming writes one halfword, then waits for SR.BSY=0 before the
//     next: clones lose halfwords written while busy. On CMSIS-DAP the
//     write and the value-match poll of SR go in one batch, hundreds of
//     halfwords a packet; on ST-Link each halfword costs a write command,
//     a status read and their RW-status checks (four USB round trips).
//   - 0xFFFF halfwords are not written: the flash under them is erased.
//   - Every operation that unlocks the FPEC locks it again on the way
//     out, also after an error or a cancelled context.
//   - Unlock: option erase, RDP=0x00A5 (ST's hardware then mass-erases
//     main flash), system reset to load the options, read OBR back.
//   - Lock: option erase, RDP=0x0000, the other option bytes written back
//     as they were, reset, OBR read back as proof.
package stm32f1
