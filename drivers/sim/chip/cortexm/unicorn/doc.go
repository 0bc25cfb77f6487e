// Package unicorn is the one place the simulator touches libunicorn (the
// Unicorn 2 CPU emulator, Debian's libunicorn-dev 2.0.1): a small cgo
// binding that runs Thumb code in M-class mode on a Cortex-M0, M3 or M4
// model over memory the caller owns.
//
// What it gives the caller (drivers/sim/chip/cortexm):
//   - MapMemory: SRAM, flash and ROM as the chip's own buffers
//     (uc_mem_map_ptr on pinned Go memory), so the debugger and the core
//     read one copy. Read-only areas (flash) send the core's stores to a
//     bus instead: the flash controller sees them as it sees the AHB-AP's.
//   - MapMMIO: peripheral windows whose loads and stores are calls into
//     the Go peripheral models, with their stall (charged as cycles) and
//     errors (the run stops with StopFault).
//   - Run with a cycle budget and an instruction limit, stopping before
//     BKPT, WFI, WFE and a branch to itself (B .) and at trap addresses,
//     or when Unicorn raises an
//     exception (SVC, UDF, EXC_RETURN branches), so the caller implements
//     the architecture's debug and exception behaviour itself.
//   - FlushCode / FlushAllCode (UC_CTL_TB_REMOVE_CACHE, UC_CTL_TB_FLUSH):
//     translated code is dropped when memory changes under the core.
//
// Cycles per instruction (cpi.go's table, applied per instruction by the
// C hook in shim.c): 1 for data processing, 2 for a load (and for a store
// on the ARMv6-M core), 1+N for LDM/STM/PUSH/POP of N registers, 7 for a
// divide, 4 for a long multiply, plus 2 for the pipeline refill after any
// change of flow (a taken branch, BX, POP into PC, an exception). Sources:
// Cortex-M0 TRM (ARM DDI 0432C) §3.3 Table 3-1; Cortex-M3 TRM (ARM DDI
// 0337I) §18.2 Table 18-1 (LDR 2, STR 1 — the write buffer — , LDM 1+N,
// branch 1+P with P 1–3, UDIV 2–12); Cortex-M4 TRM (ARM DDI 0439B) §3.3.1
// Table 3-1, the same figures. Not modelled: flash wait states and the
// prefetch buffer (ACR LATENCY), back-to-back load pipelining, bit-band.
// Exception entry costs 12 cycles (M3, M4) or 16 (M0), charged by the
// caller (cortexm). The core's fetches and loads from flash read the array
// directly: they do not stall while the flash controller is busy.
//
// Lifetime: each engine reserves Unicorn's translation buffer (about
// 1 GiB of address space, a few MiB resident). Close frees it; an engine
// dropped without Close is freed by the garbage collector, since the C
// side reaches the Go engine through a weak pointer only. Live counts the
// engines open.
//
// What Unicorn 2.0.1 does not do, measured with python3-unicorn and this
// package's tests, and so the caller does instead:
//   - exception entry and return: SVC, UDF, BKPT and a branch to an
//     EXC_RETURN value reach the interrupt hook without stacking or a
//     vector fetch (BKPT would repeat forever);
//   - an undefined instruction (UDF and unallocated encodings) ends
//     uc_emu_start with UC_ERR_INSN_INVALID rather than raising EXCP_UDEF
//     (Run reports it as StopIntr with ExcpUDEF, PC at the instruction);
//   - a fetch from an MMIO window raises EXCP_PREFETCH_ABORT (intno 3);
//   - WFI ends uc_emu_start silently; WFE/SEV have no event register;
//   - a store that the write-protect hook handled is still written to the
//     mapped buffer (the binding puts the array's bytes back before the
//     next instruction);
//   - no NVIC, SysTick or interrupt inputs; no precise-vs-imprecise bus
//     fault distinction; the FPU of the M4 is not enabled (CPACR).
//
// Building without libunicorn: the C compiler stops with one line naming
// the Debian package (libunicorn-dev, installed by scripts/deps.sh); the
// tag nounicorn builds a stub whose New says the same.
package unicorn
