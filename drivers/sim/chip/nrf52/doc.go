// Package nrf52 models a Nordic nRF52840 (Cortex-M4F, 1 MiB flash) as a
// debugger sees it over SWD.
//
// Modeled from the nRF52840 Product Specification v1.7–v1.11 and nrfx's
// mdk (nrf52840.svd, nrf52_erratas.h):
//   - §4.2 memory map: flash 0x00000000 (1 MiB, 4 KiB pages), FICR
//     0x10000000, UICR 0x10001000, RAM 0x20000000 (256 KiB);
//   - §4.3 NVMC at 0x4001E000: READY, READYNEXT, CONFIG (0 read, 1 write,
//     2 erase), ERASEPAGE, ERASEALL, ERASEUICR. Writes to flash need
//     CONFIG=1 and are otherwise ignored; only whole words, bits only go
//     1 -> 0; erases need CONFIG=2. There are no error flags. Electrical
//     specification, max figures: tWRITE 41 µs, tERASEPAGE 85 ms, tERASEALL
//     169 ms. While the NVMC works, AHB accesses to flash, UICR and FICR
//     stall (the MEM-AP answers WAIT); the NVMC's own registers are on the
//     peripheral bus and answer at once (READY reads 0);
//   - §4.4 FICR (CODEPAGESIZE, CODESIZE, DEVICEID, DEVICEADDR, INFO.*) and
//     §4.5 UICR (NRFFW, CUSTOMER, PSELRESET, APPROTECT);
//   - §5.1 access port protection and §6.x CTRL-AP (AP #1, IDR 0x02880000:
//     RESET, ERASEALL, ERASEALLSTATUS, APPROTECTSTATUS). CTRL-AP ERASEALL
//     erases flash, UICR and RAM (RAM reads zeros after); the NVMC's
//     ERASEALL leaves RAM alone. Revision rule
//     (nrfx nrf52_configuration_249: FICR 0x10000130 = 8 and 0x10000134 >=
//     5): variant AAD0 (build code D, value 4) uses the legacy rule,
//     protected after reset when UICR.APPROTECT.PALL is not 0xFF; variant
//     AAF0 (revision 3, value 5) is protected after every reset unless
//     UICR.APPROTECT.PALL is 0x5A (HwDisabled) and software has written
//     APPROTECT.DISABLE = 0x5A since the reset; a CTRL-AP ERASEALL opens it
//     until the next reset;
//   - the pin reset works only when UICR.PSELRESET[0] and [1] both select
//     P0.18 with CONNECT=0 (§4.5; an erased UICR leaves P0.18 a GPIO).
//
// The Cortex-M4F debug block is drivers/sim/chip/cortexm.
package nrf52
