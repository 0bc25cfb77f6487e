// Package targets implements the Session of each chip family (STM32F1,
// STM32F4, nRF52840, RP2040): identify, unlock, erase, program, verify, write
// bytes, lock and reset, as host-driven algorithms over the abilities a
// probe offers (drivers.DAPAccess, MemoryAccess, CoreControl).
//
// Written from the reference manuals, never from the simulator's chip
// models (drivers/sim/chip), so a misreading on either side shows.
package targets
