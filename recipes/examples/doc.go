// Package examples holds one recipe per seed flow, each with generated
// firmware of realistic size (never downloaded), embedded so a station
// binary can run them anywhere:
//
//   - bluepill-blink: Blue Pill STM32F103C8 through an ST-Link V2 — unlock
//     when locked, program a .bin at 0x08000000, verify, reset;
//   - blackpill-circuitpython: Black Pill STM32F411CE (CMSIS-DAP, ST-Link or
//     J-Link) — unlock when locked, mass erase, program a CircuitPython-style
//     .bin (with its zero-filled filesystem sectors) at 0x08000000, verify,
//     reset;
//   - nrf52840-bootloader: nRF52840 — recover (CTRL-AP erase), program a UF2
//     bootloader-style .hex (MBR, bootloader at 0xF4000, UICR words),
//     verify, reset;
//   - pico-circuitpython: Raspberry Pi Pico RP2040 through CMSIS-DAP —
//     program a CircuitPython-sized .uf2 (768,768 bytes), verify, reset.
//
// The firmware is made by Generate (go generate ./recipes/examples), which
// also writes each recipe's sha256 pin; a test proves the committed files
// are exactly what it makes.
package examples
