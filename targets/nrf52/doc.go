// Package nrf52 is the nRF52840 target family: identify (FICR), program and
// erase through the NVMC, per-unit UICR words, APPROTECT lock and recovery
// through the CTRL-AP. Everything is host-driven over the probe's memory
// and DAP access; no code runs on the target.
//
// References:
//   - nRF52840 Product Specification v1.11: §4.3 NVMC (CONFIG, READY,
//     READYNEXT, ERASEPAGE, ERASEALL, ERASEUICR; tWRITE 41 µs max, tERASEPAGE
//     85 ms max), §4.4 FICR, §4.5 UICR (APPROTECT at +0x208), §4.6 APPROTECT,
//     §5.1 CTRL-AP (RESET, ERASEALL, ERASEALLSTATUS, APPROTECTSTATUS, IDR
//     0x02880000).
//   - nRF52840 errata 184: NVMC operations started by a debugger fail while
//     the CPU runs: the core is halted before any of them.
//   - NordicSemiconductor/nrfx mdk/nrf52840.svd (register offsets).
//   - OpenOCD src/flash/nor/nrf5.c and tcl/target/nrf52.cfg (nrf52_recover:
//     ERASEALL, poll ERASEALLSTATUS, RESET; the "high level adapter (like a
//     ST-Link) ... cannot access the CTRL-AP" warning).
//   - probe-rs vendor/nordicsemi/sequences/nrf52.rs; probe-rs PR #65 (an
//     ST-Link reaches AP 1 on an open chip but gets "no device" on a locked
//     one).
//   - /work/shared/facts/chips.md §3.
//
// Decisions:
//   - Programming writes whole runs of words with CONFIG=WEN and lets the
//     AHB bus stall each write until the NVMC takes it (the probe retries
//     the SWD WAITs), then waits for READY once per run: the wire then
//     keeps pace with tWRITE instead of spending a poll round trip per word.
//   - Words that are all 0xFF are skipped: writing them changes nothing.
//   - Unlock and Lock need the CTRL-AP, which ST-Link probes cannot use on a
//     locked chip; they are refused there with the reason.
package nrf52
