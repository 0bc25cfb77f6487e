// Package w25q models Winbond W25Q..JV serial NOR flash: the W25Q16JV 16 Mbit
// (2 MiB) on the RP2040 boards, driven at the SPI byte level by the SSI or a
// bootrom routine, and the W25Q64JV 64 Mbit (8 MiB) behind the STM32H7's
// QUADSPI, driven with framed commands (Exec: instruction, address,
// alternate bytes, dummy clocks and data, each on 1, 2 or 4 lines).
//
// Beyond the list below (from the W25Q16JV sheet), both parts model, from
// the W25Q64JV datasheet rev. I: status registers 2 and 3 (35h/15h read,
// 01h/31h/11h write, non-volatile after 06h with tW busy, volatile and
// immediate after 50h; SRL locks them), QE gating the quad commands (6Bh,
// EBh, 32h), block protection by BP2:0/TB/SEC/CMP, power-down B9h and
// release ABh (with the device ID), enable-reset/reset 66h/99h, SFDP 5Ah
// (JESD216 header and basic flash parameter table), the dual and quad
// reads 3Bh/6Bh/BBh/EBh, quad page program 32h, and each part's JEDEC ID,
// device ID and typical times (Part).
//
// Modeled from the W25Q16JV datasheet (Winbond, rev. F/G):
//   - §7.1 Status Register 1: BUSY (S0), WEL (S1);
//   - §8.2.1 Write Enable 06h, §8.2.3 Write Disable 04h (WEL);
//   - §8.2.4 Read Status Register-1 05h (the only command accepted while
//     BUSY; repeated bytes give the live status);
//   - §8.2.6 Read Data 03h, §8.2.7 Fast Read 0Bh (address wraps at the end
//     of the array);
//   - §8.2.13 Page Program 02h: up to 256 bytes, addresses wrap inside the
//     page, bits only go 1 -> 0, programming starts when /CS goes high;
//   - §8.2.15/16/17 Sector Erase 20h (4 KiB), 32 KiB Block Erase 52h, 64 KiB
//     Block Erase D8h; §8.2.18 Chip Erase C7h/60h; erase and program commands
//     need WEL and execute only if /CS rises on a byte boundary right after
//     the last address byte (or the opcode, for chip erase);
//   - §8.2.27 Manufacturer/Device ID 90h (EF 14), §8.2.29 Read Unique ID 4Bh
//     (4 dummy bytes, then a 64-bit ID MSB first), §8.2.30 JEDEC ID 9Fh
//     (EF 40 15);
//   - §9.6 AC characteristics, typical figures: tPP 0.4 ms, tSE 45 ms,
//     tBE1 120 ms, tBE2 150 ms, tCE 5 s.
//
// Commands other than Read Status that arrive while BUSY are ignored; the
// data line is then not driven and reads as 1s (0xFF). Faults: a
// fault.ProgramFail or fault.EraseFail makes the operation not happen (the
// chip still spends the time and clears WEL; the W25Q has no error flag), and
// a cell marked with fault.Injector.AddBadCell keeps its erased value when
// programmed.
package w25q
