// Package rp2040 models a Raspberry Pi RP2040 with a W25Q16JV 2 MiB QSPI
// flash, as a debugger sees it over SWD.
//
// Modeled from the RP2040 Datasheet (build 2023 and later):
//   - §2.2 address map: ROM 0x00000000 (16 KiB), XIP 0x10000000, XIP_SSI
//     0x18000000, SRAM 0x20000000–0x20042000, APB 0x40000000, SIO 0xD0000000,
//     PPB 0xE0000000 (per core);
//   - §2.3.4 debug: SW-DP DPv2 multidrop with TARGETID 0x01002927, core 0
//     instance 0, core 1 instance 1, and the Rescue DP, instance 0xF, whose
//     CDBGPWRUPREQ holds the chip in a PSM restart (set) and releases it
//     (clear), setting CHIP_RESET.PSM_RESTART_FLAG for the bootrom;
//   - §2.8 bootrom: the header at 0x10 ('M','u', version, ROM version), the
//     u16 function/data table pointers at 0x14/0x16 and table_lookup at
//     0x18; §2.8.3 the flash functions IF EX RE RP FC CX and the debug
//     trampoline DT/DE; the boot path's rescue check (bootrom_rt0.S) and
//     the boot2 CRC32 check (§2.8.1.3);
//   - §2.10 VREG_AND_CHIP_RESET.CHIP_RESET (HAD_POR, HAD_RUN,
//     HAD_PSM_RESTART, PSM_RESTART_FLAG write-1-to-clear);
//   - §2.15 SYSINFO CHIP_ID (MANUFACTURER 0x927, PART 2, REVISION);
//   - §4.10 SSI (CTRLR0, SSIENR, SER, BAUDR, TXFLR, RXFLR, SR, DR0,
//     SPI_CTRLR0) and §2.19 IO_QSPI GPIO_QSPI_SS_CTRL.OUTOVER, enough to
//     drive the flash by hand from DR0;
//   - §2.6.3 XIP cache (xip.go): 16 KiB, two-way set-associative, 8-byte
//     lines, holding data, so a read after reprogramming without a flush
//     returns stale bytes as on silicon. Aliases 0x10 (cached,
//     allocating), 0x11 (hits only, misses do not fill), 0x12 (no lookup,
//     always fills), 0x13 (bypass). XIP_CTRL at 0x14000000: CTRL (EN,
//     ERR_BADWRITE, POWER_DOWN; reset EN=ERR_BADWRITE=1), FLUSH (also the
//     bootrom's FC), STAT, CTR_HIT, CTR_ACC. Writes never reach the
//     flash: a write to 0x10 deletes a matching line; to another alias it
//     is a bus fault while ERR_BADWRITE is 1, else ignored. A miss costs
//     a 03h read of one line at the SSI clock; a hit costs nothing and
//     does not need the SSI in XIP mode;
//   - §2.14 RESETS, §2.15 CLOCKS (clk_ref, clk_sys glitchless muxes,
//     CLK_PERI_CTRL), §2.16 XOSC (12 MHz crystal), §2.18 PLL_SYS/PLL_USB:
//     clk_sys, which times the SSI, starts on the ring oscillator after
//     every chip reset and follows CLK_SYS_SELECTED and the PLL output; a
//     clk_sys switched to a source that does not run stops the bus (every
//     access answers WAIT). The bootrom's USB boot path (blank flash)
//     leaves clk_sys at 48 MHz from PLL_SYS, as on silicon.
//
// The bootrom functions are not emulated instruction by instruction: when a
// core is let run with PC at a function's entry and LR pointing at a BKPT
// halfword, the model performs the function the way program_flash_generic.c
// does (same loops, same command bytes, no parameter checks) and halts at
// LR with DFSR.BKPT. table_lookup, the bit and memory functions, IF, FC
// and CX return at once (a few hundred cycles). EX, RE and RP take their
// time while the core runs (flashcall.go): their SPI bytes go out at
// clk_sys / BAUDR, each at its modeled time, the W25Q's program and erase
// times pass on its own clock, and the debugger meanwhile works as on
// silicon (§2.3.4: the AHB-AP is a bus master; SRAM accesses do not
// stall). During such a call:
//   - DHCSR shows S_HALT clear and S_RETIRE_ST set until the clock passes
//     the return, then the core is halted at the BKPT;
//   - the ROM reads each source byte when it sends it, so a host may stage
//     the next block in another buffer (writes into a page not yet sent
//     are what gets programmed);
//   - XIP reads that miss the cache fail (EX left the SSI in SPI mode;
//     hits answer from the cache, as on silicon); SSI registers read as
//     the function set them, but a DR0 read or write, an SSIENR or SER
//     write, or an IO_QSPI write breaks the ROM's FIFO accounting
//     (flash_put_get counts bytes), so the function never returns;
//   - C_HALT halts the core inside the function (PC in the ROM,
//     DFSR.HALTED); a program or erase the flash was given finishes on its
//     own. Resuming at that PC carries the function on (a status-poll wait
//     sees the flash's own time); resuming elsewhere, a reset or a power
//     loss abandons it where it stood.
//
// Any other resume leaves the core running.
//
// Protection: the RP2040 has no readout protection; every AP is always open.
package rp2040
