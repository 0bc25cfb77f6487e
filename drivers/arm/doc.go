// Package arm builds target access on raw ADIv5 register access
// (drivers.DAPAccess): debug-port bring-up, access-port discovery, MEM-AP
// memory access and Cortex-M run control.
//
// Specifications:
//   - ARM Debug Interface Architecture Specification ADIv5.2 (IHI 0031):
//     DP CTRL/STAT power-up handshake (B2.2.2), ABORT, MEM-AP CSW/TAR/DRW
//     and IDR (C2.6), byte-lane placement of 8/16-bit accesses (C2.2.6),
//     TAR auto-increment guaranteed within 1 KiB only (C2.2.7).
//   - ARMv7-M / ARMv6-M Architecture Reference Manuals, Debug chapter
//     (C1.6): DHCSR, DCRSR, DCRDR, DEMCR; AIRCR (B3.2.6) for SYSRESETREQ.
//
// Layers follow the spec: dp.go (DP and AP discovery), memap*.go (MEM-AP),
// core.go (Cortex-M debug registers, on top of any drivers.MemoryAccess).
// A DAPAccess that is also a BlockRunner (CMSIS-DAP) gets a whole memory
// transfer in one call, each TAR window's TAR write queued with its data.
package arm
