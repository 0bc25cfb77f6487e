// Package cmsisdap is a simulated CMSIS-DAP probe firmware: v1 over HID
// (64-byte reports on interrupt endpoints) and v2 over bulk endpoints
// (512-byte packets, several in flight). It answers every command of the
// CMSIS-DAP protocol except SWO and UART, with the reference firmware's
// semantics (ARM-software/CMSIS-DAP Firmware/Source/DAP.c, SW_DP.c,
// JTAG_DP.c; Documentation ref_dap.txt):
//
//   - posted AP reads are hidden: the host gets every AP read's own value,
//     the firmware reading RDBUFF itself after the last one;
//   - a request whose last transfer was a write ends with an RDBUFF read
//     that checks it;
//   - WAIT is retried up to the configured retry count; value-match reads
//     repeat up to the match retry count and report a mismatch;
//   - the response count is the number of transfers that succeeded; the
//     response value is the last ACK (with the protocol-error and mismatch
//     bits);
//   - unknown commands answer the single byte 0xFF.
//
// Wire time is charged by the wires (hw.SWD, hw.JTAG); USB time by the
// simulated Link.
package cmsisdap
