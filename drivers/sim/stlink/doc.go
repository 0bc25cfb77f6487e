// Package stlink is a simulated ST-Link probe firmware: ST-LINK/V2 on
// V2J37S7 and on old V2J17S4 (with the 12-byte binary USB serial),
// ST-LINK/V2-1 on V2J40M27 and STLINK-V3SET on V3J17M10B6S1. It answers the
// host's 16-byte command blocks as the real firmware does and performs
// memory and register commands as real MEM-AP accesses over an hw.SWD
// wire.
//
// Sources (facts only): OpenOCD src/jtag/drivers/stlink_usb.c (commands,
// feature flags per firmware version, transfer limits, GET_VERSION(_EX)
// decoding, the alternate-serial quirk), stlink-org src/stlink-lib
// (commands.h, usb.c: READALLREGS layout, SWD divisors, J22 for
// SWD_SET_FREQ), pyOCD pyocd/probe/stlink (status codes, GETLASTRWSTATUS2
// layout: status u16, u16, fault address u32; SET/GET_COM_FREQ replies),
// probe-rs probe/stlink (status 0x42 unknown command, 8-bit length rules),
// Black Magic Debug's hosted ST-Link driver (STLINK_JTAG_UNKNOWN_CMD),
// ADIv5 and ARMv7-M for the wire and debug registers;
// /work/shared/facts/probes.md §2, §3.
//
// Behaviour settled from those sources, and choices where they are silent:
//   - Power-on mode is mass storage (01), as st-util and OpenOCD logs show
//     on plug-in. DEBUG EXIT and DFU EXIT have no reply.
//   - DEBUG ENTER SWD does JTAG-to-SWD, DPIDR, ABORT, power-up; a target
//     that does not answer gives 0x09 (JTAG_GET_IDCODE_ERROR, what pyOCD
//     and probe-rs users see with no target). JTAG entry answers 0x09 too:
//     no JTAG chain is wired. A debug domain that never powers up gives
//     0x0B (DBG_POWER_ERROR; chosen from the code's name).
//   - Unknown DEBUG subcommands, and those newer than the firmware
//     (SWD_SET_FREQ before J22, DAP registers before J24, 16-bit memory
//     before J26, INIT_AP before J28, COM_FREQ on V2), answer 2 bytes
//     42 00. A data phase the host sends after such a command is read as
//     the next command block, since the firmware cannot know it is data.
//     Unknown top-level commands (GET_VERSION_EX on V2) get no answer.
//   - Memory commands the firmware refuses before touching the wire
//     (too long: 0x08; misaligned 16/32-bit: 0x0A; AP not opened by
//     INIT_AP: 0x1D) send no data phase; write data is still swallowed.
//     Commands that fail on the wire send their whole data phase, zeros
//     after the failure, and GETLASTRWSTATUS(2) reports the error and,
//     in bytes 4..7 of the 12-byte form, the failing address. A FAULT is
//     reported as SWD_AP_FAULT (0x11) and the firmware clears the sticky
//     error with ABORT. WAIT is retried 100 times, then 0x10/0x14.
//   - A 1-byte 8-bit read answers 2 bytes; the second is 0.
//   - TAR is written once per memory command: crossing the target's TAR
//     auto-increment block wraps, so hosts split transfers at it.
//   - SWD_SET_FREQ divisor 0 is 4 MHz (OpenOCD, stlink-org; pyOCD and
//     probe-rs say 4.6 MHz). V3 GET_COM_FREQ lists 24000, 8000, 3300,
//     1000, 200, 50, 5 kHz for SWD; the JTAG table and the 1 MHz SWD
//     default are not confirmed by a source.
//   - READREG takes a DCRSR REGSEL; READALLREGS returns REGSEL 0..20.
//   - Target voltage: a0 is a fixed reference reading (1552) and
//     a1 = V·a0/2.4, so the host's 2·a1·1.2/a0 gives the board's voltage.
//
// Wire time is charged by the hw.SWD wire, USB time by the simulated
// Link; the firmware charges no processing time of its own.
package stlink
