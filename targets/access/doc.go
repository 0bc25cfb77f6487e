// Package access brings up a probe's debug port for a target family and
// offers what every family needs on top of it: 32-bit register access,
// polling with a deadline, byte-exact reads and writes of any range, chunked
// block transfers with progress, and a "write a unit, wait for the flash
// controller" stream that packs many units into one USB packet where the
// probe can batch.
//
// Layers (ADIv5.2, ARM IHI 0031): a CMSIS-DAP probe gives raw DAP access;
// the DP is powered up with arm.InitDP (B2.2.2 CTRL/STAT handshake), APs
// are found by IDR (C2.6.5), memory goes through the MEM-AP (C2.6) of
// arm.NewMemAP and run control through arm.NewCore. An ST-Link does memory
// and run control itself (its own USB commands); its raw DAP access, when
// the firmware has it (V2J24+, V3), is offered beside them but is not used
// for memory: each DAP register access costs a USB round trip there.
//
// Decisions:
//   - Target.Mem is AP 0 (the AHB-AP of every Cortex-M here).
//   - The stream path (WriteUnitsPolled) writes CSW/TAR/DRW itself through
//     the DAP, so it pins arm.MemAP's cached CSW to a known value first
//     and writes that value back last (arm.MemAP keeps no public way to
//     forget its cache).
//   - Polls use the probe's value-match reads (CMSIS-DAP) when there is a
//     MemoryPoller and host reads otherwise; the deadline always comes
//     from a context.
package access
