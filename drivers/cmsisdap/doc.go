// Package cmsisdap drives CMSIS-DAP debug probes (v1 over HID reports, v2
// over bulk endpoints) through a link.Link, and offers the probe's SWD
// port as drivers.DAPAccess.
//
// Layers, bottom up:
//   - one small file per DAP command (info.go, transfer.go, …): encode and
//     decode are pure functions, tested byte for byte;
//   - transport.go: framing (v1 pads every report to 64 bytes, v2 sends
//     what it has) and a pipeline that keeps up to the probe's packet count
//     of commands in flight;
//   - probe.go, connect.go, dap.go, block.go: the drivers.Probe,
//     drivers.DAPAccess and drivers.Resetter implementations;
//   - runs.go: BlockRuns, the optional ability drivers/arm looks for
//     (arm.BlockRunner): a MEM-AP transfer's TAR writes, one per window,
//     packed into a DAP_Transfer with the window's first words and queued
//     with its DAP_TransferBlock commands in one pipeline.
//
// Specifications:
//   - CMSIS-DAP command reference (ARM-software/CMSIS-DAP,
//     Documentation/Doxygen/src/ref_dap.txt) and its reference firmware
//     (Firmware/Source/DAP.c): posted AP reads are hidden by the probe,
//     value-match reads answer no data, a failing transfer stops the
//     request and the count says how many ran.
//   - ARM Debug Interface Architecture Specification ADIv5.2 (IHI 0031):
//     SWD line reset, JTAG-to-SWD and dormant-to-SWD sequences,
//     TARGETSEL, DP registers ABORT/SELECT/RDBUFF.
//
// Only SWD is driven; CMSIS-DAP's JTAG transfers are not used by this
// station's targets.
package cmsisdap
