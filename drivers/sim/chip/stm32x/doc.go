// Package stm32x holds what the simulated STM32 models (stm32f1, stm32f4)
// share because the parts share it: the board around a Cortex-M core
// (supply, nRESET, the AHB-AP's locked view of the system bus, the debug
// connection latched until power-on that shuts a read-protected CPU out of
// its flash), the 96-bit
// unique ID derived from a seed, byte lanes of 32-bit registers, the
// two-key unlock sequence and the flash controller's BSY timing.
//
// What each reference manual defines differently stays in the chip's own
// package: the flash controller's registers and error flags, the option
// bytes and readout protection, the system memory layout.
package stm32x
