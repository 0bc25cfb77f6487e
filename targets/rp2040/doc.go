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
//   - Before flash work clk_sys is moved from the ring oscillator (~6.5
//     MHz after reset) to PLL_SYS at 125 MHz on the 12 MHz crystal
//     (clocks.go: datasheet §2.15/§2.16/§2.18 and the SDK's clocks_init
//     order). After flash_exit_xip the SSI divider is set for that clock:
//     the W25Q16JV takes 133 MHz for most commands but only 50 MHz for
//     03h Read Data, which XIP issues after flash_enter_cmd_xip, so 125
//     MHz / 4 = 31.25 MHz (what pico-sdk boards with this flash and the
//     generic 03h boot2 use). Without the PLL the divider is 2 (the ring
//     oscillator is at most 12 MHz).
//   - No crystal, no lock, or clock registers that do not answer as the
//     datasheet says: the clocks go back to the ring oscillator, a log
//     line says why, and the flash proceeds slower.
//   - A core reset (AIRCR.SYSRESETREQ, what Reset does) resets only the
//     core on the RP2040 (datasheet §2.4.2.9; raspberrypi/pico-feedback
//     #329), not the clocks; Reset and Close therefore put the clocks back
//     on the ring oscillator first, so the firmware starts from the clock
//     state a chip reset gives.
//   - Core accesses around bootrom calls and SRAM staging are retried on
//     WAIT (they are idempotent); a call is never abandoned half-way.
//   - The RP2040 has no readout protection: Lock refuses, Unlock is a plain
//     chip erase. ST-Link probes cannot select a multidrop DP.
package rp2040
