// Package stm32 holds what the STM32 families share: the DBGMCU_IDCODE
// layout (RM0008 §31.6.1, RM0383 §23.6.1: DEV_ID [11:0], REV_ID [31:16]),
// the revision letters per device, the 96-bit unique ID (RM0008 §30.2,
// RM0383 §24.2), the flash size register, clone detection for F103
// compatibles from the Cortex-M CPUID (ARMv7-M B3.2.3), image placement
// checks, and the session plumbing both families use.
//
// Clone signals, in the order trusted: CPUID (genuine STM32F103 is
// Cortex-M3 r1p1, 0x411FC231; GD32, CS32/CKS32 and APM32 parts report
// r2p1, 0x412FC231), then a REV_ID the reference manual does not list,
// then a DPIDR other than ST's. DPIDR alone proves little (GD32F103 reuses
// ST's 0x1BA01477), so every signal found is logged and any one marks the
// chip a clone.
package stm32
