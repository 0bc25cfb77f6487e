// Package rp2040 is the RP2040 (+ QSPI NOR flash) target family. The
// debugger reaches core 0 through the multidrop SW-DP (TARGETSEL), halts it
// and drives the flash through the bootrom's own routines, called on the
// core with data staged in SRAM; flash ID commands go through the SSI with
// the chip select forced by IO_QSPI.
//
// References:
//   - RP2040 datasheet §2.8.3 (bootrom function table, table_lookup, the
//     flash functions IF/EX/RE/RP/FC/CX), §2.3.4 / §2.17 SYSINFO CHIP_ID,
//     §4.10 SSI, §2.19 IO_QSPI GPIO_QSPI_SS_CTRL OUTOVER, §2.3.4.2
//     multidrop TARGETSEL 0x01002927.
//   - raspberrypi/pico-bootrom program_flash_generic.c: flash_exit_xip sets
//     the SSI to standard SPI with BAUDR=6 and leaves it so that "the
//     debugger or user code" may change it; the other functions keep it.
//   - OpenOCD src/flash/nor/rp2xxx.c (IF, EX, then RE/RP, FC, CX; SS_CTRL
//     OUTOVER low/high around direct SPI commands); pyOCD target_rp2.py;
//     rp-rs/flash-algo; Winbond W25Q16JV datasheet (0x9F JEDEC id, 0x4B
//     unique id with 4 dummy bytes, 0x20 sector / 0xD8 block erase).
//   - /work/shared/facts/chips.md §4.
//
// Decisions:
//   - Functions are found by calling the bootrom's table_lookup on the core,
//     as pyOCD does, once per session.
//   - Programming is pipelined: while the bootrom erases and programs one
//     64 KiB block from one SRAM buffer, the host fills the other.
//   - After flash_exit_xip the SSI divider is set to 2 (clk_sys/2) instead
//     of the bootrom's conservative 6: clk_sys runs from the ring oscillator
//     (~6.5 MHz nominal) after reset, so SPI would otherwise crawl at about
//     1 MHz. The W25Q16JV takes 133 MHz, so /2 of any clk_sys the chip has
//     before firmware runs is in range.
//   - The RP2040 has no readout protection: Lock refuses, Unlock is a plain
//     chip erase. ST-Link probes cannot select a multidrop DP.
package rp2040
