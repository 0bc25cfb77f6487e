// Package drivers holds the seam between chip families (targets/) and debug
// probes: what an opened probe is (Identity) and the abilities it may offer,
// each a small interface found by type assertion, in the manner of probe-rs:
//
//   - DAPAccess: raw ADIv5 DP/AP register access, batched (CMSIS-DAP always;
//     ST-Link on firmware that has it);
//   - MemoryAccess: 8/16/32-bit target memory access (built on DAPAccess by
//     drivers/arm, or native on ST-Link);
//   - CoreControl: halt, resume, reset, core registers;
//   - VoltageSensor, MemoryPoller: what some probes do better.
//
// Subpackages: link (the USB seam), usb (gousb), cmsisdap, stlink, arm
// (ADIv5 and Cortex-M over DAPAccess), openocd, sim (the simulated world).
package drivers
