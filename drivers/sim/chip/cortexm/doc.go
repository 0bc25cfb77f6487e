// Package cortexm models the debug-visible part of an ARMv6-M / ARMv7-M
// core: the Private Peripheral Bus (0xE0000000–0xE00FFFFF) with the System
// Control Space, the halting-debug registers, DWT/FPB comparators and the
// CoreSight ROM table, and the core's run/halt/reset state.
//
// With Config.Exec the core executes Thumb code through Unicorn (exec.go,
// exception.go; the binding is the unicorn package, whose doc lists what
// the engine cannot do): the chip calls CatchUp before every access, and
// the core runs, in modeled time at the chip's clock, up to the
// debugger's now. BKPT halts with DFSR.BKPT, C_STEP retires one
// instruction, WFI/WFE sleep (S_SLEEP) until a halt or reset, exception
// entry and return and the escalation of faults to HardFault and to
// Lockup are done here, as is vector catch on the faults. A branch to
// itself (B .) is not executed: with no interrupt inputs modelled nothing
// but the debugger or a reset ends it. Close frees the engine.
//
// Without Exec a running core simply runs, and a chip model that needs the
// effect of code (RP2040 bootrom calls) does so through SetOnResume/HaltAt,
// halting the core when that code's modeled time is up; a running core
// that halts reads S_RETIRE_ST once.
//
// Sections modelled (ARMv7-M ARM, DDI0403E; ARMv6-M ARM, DDI0419):
//   - B3.2.3 CPUID, B3.2.4 ICSR, B3.2.5 VTOR, B3.2.6 AIRCR (VECTKEY 0x05FA on
//     write, VECTKEYSTAT 0xFA05 on read; SYSRESETREQ, VECTRESET v7-M only)
//   - C1.6.2 DHCSR (DBGKEY 0xA05F in [31:16] or the write is ignored;
//     S_RETIRE_ST and S_RESET_ST clear on read), C1.6.3 DCRSR, C1.6.4 DCRDR
//     (S_REGRDY handshake), C1.6.5 DEMCR, C1.6.1 DFSR (write-one-to-clear)
//   - C1.4 debug event handling: entering Debug state sets C_HALT and S_HALT
//   - C1.8 DWT (DWT_CTRL.NUMCOMP), C1.11 FPB (FP_CTRL NUM_CODE/NUM_LIT, KEY)
//   - B3.1 / C1.2 the ROM table and CoreSight component/peripheral IDs
//
// Debug logic (DHCSR control bits, DEMCR, DWT, FPB) is reset by power-on
// only; a system reset (SYSRESETREQ, nRESET) resets the core and sets
// S_RESET_ST (ARMv7-M ARM C1.6.2, B1.5.5).
//
// A Core is not safe for concurrent use: the chip that owns it serialises
// access (its bus lock covers the PPB as well).
package cortexm
