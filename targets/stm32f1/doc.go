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
//   - Programming on ST silicon streams halfwords back to back: a write
//     while BSY stalls the bus (RM0008 §3.3.3), the probe's WAIT retries
//     pace it, SR is checked once per 1 KiB chunk and verify is the proof.
//     Compatibles (and chips whose identity cannot be read) drop a
//     halfword written while busy, so they get the polled path: BSY=0
//     before each halfword (one CMSIS-DAP batch of write + value-match
//     poll per hundreds of halfwords; ST-Link four round trips each).
//     The choice is logged per Program.
//   - A write the probe reports failed is never repeated on a guess: the
//     stream waits for BSY=0 and reads flash back to find where to
//     resume; PGERR from a halfword that landed twice is cleared there.
//   - The key sequence is written once per try; a failed try (a second
//     KEY1 locks the FPEC until reset) is followed by a system reset and
//     one more try.
//   - 0xFFFF halfwords are not written: the flash under them is erased.
//   - Every operation that unlocks the FPEC locks it again on the way
//     out, also after an error or a cancelled context.
//   - Unlock: option erase, RDP=0x00A5 (ST's hardware then mass-erases
//     main flash), system reset to load the options, read OBR back.
//   - Lock: option erase, RDP=0x0000, the other option bytes written back
//     as they were, reset, OBR read back as proof.
package stm32f1
