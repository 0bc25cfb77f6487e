// Package dap simulates Arm debug ports as a probe sees them on the wire:
// SW-DP (DPv1, and DPv2 multidrop with TARGETSEL and dormant state), the
// JTAG-DP behind a JTAG TAP chain, and the MEM-AP in front of a chip's bus.
// Custom APs (the nRF52 CTRL-AP) are the chip model's hw.AP values.
//
// Modeled from the Arm Debug Interface Architecture Specification ADIv5.0
// to ADIv5.2 (IHI 0031):
//   - B2 DP registers: DPIDR, ABORT, CTRL/STAT (power-up REQ/ACK, sticky
//     flags, ORUNDETECT), SELECT (APSEL, APBANKSEL, DPBANKSEL), RDBUFF,
//     RESEND, DLCR, TARGETID, DLPIDR;
//   - B3 JTAG-DP: IR ABORT/DPACC/APACC/IDCODE/BYPASS, the 35-bit DPACC and
//     APACC scans with their OK/FAULT and WAIT ACKs and posted results;
//   - B4 SW-DP: packets, ACKs, parity, turnaround, posted AP reads, the
//     reset/active/lockout link states, TARGETSEL (SWD protocol v2);
//   - B5 SWJ-DP: line reset, JTAG-to-SWD, SWD-to-JTAG, SWD-to-dormant and
//     the selection alert plus activation code that wakes a dormant DP;
//   - C2 MEM-AP: CSW (Size, AddrInc, DeviceEn, TrInProg, Prot), TAR with
//     auto-increment inside a 1 KiB or 4 KiB window, DRW byte lanes, BD0-BD3,
//     CFG, BASE, IDR.
//
// And IEEE 1149.1 for the TAP controller (subpackage jtag).
//
// Time: the wires charge every SWCLK/TCK cycle to the probe's virtual clock;
// a bus stall (hw.Bus) or an AP's hw.WaitError makes the DP answer WAIT until
// the clock has passed that time, so a polling host advances the clock by
// the cycles of each WAITed transaction. Nothing here reads the wall clock.
//
// Faults (fault.Injector, per probe): WaitStorm answers WAIT to a burst of
// transactions, NoAck drops a packet (ACK 0b111), Parity flips a read's
// parity bit. They fire only on whole packets (SWDWire.Transfer).
package dap
