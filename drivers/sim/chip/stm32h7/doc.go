// Package stm32h7 models a WeAct-style STM32H750VB board: the MCU and the
// W25Q64JV on its QUADSPI bank-1 pins, as a debugger sees them. Written from
// RM0433 (STM32H742/743/750/753 reference manual), DS12556 (STM32H750xB
// datasheet) and the W25Q64JV datasheet; identity values from real-part logs
// (drivers/sim/IDENTITY.md).
//
//   - Debug: SW-DP v2 (DPIDR 0x6BA02477, TARGETID 0x04500041) with AP0 the
//     system AHB-AP (BASE 0xE00FE000: ST's ROM table, which points at the
//     Cortex-M7 table at 0xE00FF000, the ETM and the CTI), AP1 the D3-domain
//     AHB-AP (SRAM4, AHB4 peripherals, DBGMCU) and AP2 the debug APB-AP
//     (DBGMCU at 0xE00E1000; the rest of the APB debug components is not
//     modelled). JTAG: boundary-scan TAP, then the JTAG-DP. Cortex-M7 r1p1
//     (CPUID 0x411FC271), 8 FPB code comparators, 4 DWT comparators.
//   - DBGMCU_IDCODE 0x20036450 at 0x5C001000 (DEV_ID 0x450, revision V), the
//     unique ID at 0x1FF1E800 and the flash size (128 KiB) at 0x1FF1E880.
//   - Flash bank 1 at 0x52002000 (RM0433 §4): KEYR1 keys (a wrong key is a
//     bus error and locks CR1 until reset), a 256-bit write buffer that
//     programs itself when full or on FW1, PGSERR1 (no PG1, or PG with an
//     erase), INCERR1 (a second flash word before the first is complete),
//     STRBERR1 (a byte written twice in one buffer), WRPERR1 (RDP level 1
//     or a write-protected sector), a flash word programmed again with other
//     data than itself or zeros breaking its ECC (reads are bus errors with
//     DBECCERR1 and ECC_FA1R), one 128 KiB sector erased by SER1/SNB1 = 0,
//     bank erase by BER1, times per PSIZE1 from DS12556 ("Flash memory
//     programming": 256-bit word x64 100 µs, x8 290 µs; sector 1 s..2 s;
//     bank 8 s..13 s).
//   - Option bytes: OPTKEYR keys, OPTSR_PRG, OPTSTART with OPT_BUSY, RDP 0xAA
//     level 0, 0xCC level 2 (final: OPTCHANGEERR), else level 1, under which
//     the debugger's flash reads are bus errors and the CPU loses the flash
//     once a debugger has connected since power-on; level 1 -> 0 erases the
//     bank first (RM0433 §4.5.3).
//   - RCC as far as QUADSPI needs it (AHB3ENR.QSPIEN, AHB3RSTR, AHB4ENR GPIO
//     clocks, oscillator ready flags; the kernel clock is the 64 MHz HSI) and
//     GPIO A..K (MODER, AFR, ...; an unclocked port ignores writes).
//   - QUADSPI at 0x52005000 (RM0433 §23): CR (EN, ABORT, APMS, PMM,
//     PRESCALER), DCR (FSIZE), SR (TEF, TCF, FTF, SMF, BUSY, FLEVEL), FCR,
//     DLR, CCR (instruction/address/alternate/dummy/data phases with 1, 2
//     or 4 lines, FMODE), AR, ABR, DR (the 32-byte FIFO, popped by access
//     width), PSMKR/PSMAR/PIR (automatic status polling, AND or OR match),
//     memory-mapped reads at 0x90000000 up to 2^(FSIZE+1) bytes (beyond,
//     writes, and the window outside memory-mapped mode are bus errors).
//     Each command reaches the W25Q64JV only through the WeAct board's pins
//     in their alternate function (PB2 AF9 CLK, PB6 AF10 NCS, PD11/PD12/PE2/
//     PD13 AF9 IO0..IO3); time is charged per QUADSPI clock.
package stm32h7
