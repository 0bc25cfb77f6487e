// Package stlink drives ST-Link V2, V2-1 and V3 debug probes over a
// link.Link: version decoding and feature gates, leaving DFU / SWIM / stale
// debug modes, SWD entry and clock, target voltage, nRESET, native memory
// access, Cortex-M core control, and DP/AP register access on firmware
// that has it.
//
// Written from the sources, facts only (see /work/shared/facts/probes.md
// §2 and §3): OpenOCD src/jtag/drivers/stlink_usb.c (command bytes, reply
// layouts, version flags, speed map, chunking, WAIT retry), stlink-org
// src/stlink-lib/{commands.h,usb.c} (binary serials, status codes),
// probe-rs probe/stlink (GET_VERSION_EX layout, status codes, DAP register
// command layout).
//
// Decisions:
//   - Open takes ownership of the Link; Probe.Close closes it.
//   - Features are gated by firmware version (Version.Has / Require). DAP
//     register access is offered by Probe.DAP(), which returns a
//     *FeatureError ("stlink: DAP register access needs ST-Link firmware
//     V2J24 or newer; this probe has V2J17") on old firmware; Probe itself
//     does not implement drivers.DAPAccess, so a type assertion never
//     promises what the firmware cannot do.
//   - Memory commands use AP 0 with the probe's default CSW; each command
//     stays inside 6144 bytes (16/32-bit) or 64 bytes (8-bit; 512 on V3
//     J6+) and inside the TAR auto-increment window, sized from CPUID at
//     Connect like OpenOCD: 4 KiB on Cortex-M3/M4, else 1 KiB. Every
//     command is checked with GETLASTRWSTATUS2 (V2 J15+, V3) or
//     GETLASTRWSTATUS, and errors name the address range.
//   - 16-bit accesses need V2 J26; older firmware gets 8-bit accesses.
//   - WAIT answers are retried up to 8 times with 1, 2, 4 … ms back-off
//     (OpenOCD); then the error is an ErrWait.
//   - SWD only: JTAG and multidrop TARGETSEL are refused with a clear error.
//   - Reset-and-halt uses DEMCR.VC_CORERESET and AIRCR.SYSRESETREQ through
//     WRITEDEBUGREG, not the probe's RESETSYS, so the halt at the reset
//     vector is checked, not assumed.
package stlink
