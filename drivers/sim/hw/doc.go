// Package hw holds the small contracts between the parts of the simulated
// world, so each part can be written (and tested) on its own:
//
//   - chip models (drivers/sim/chip/...) implement Bus for their memory map
//     and Chip for the fixture, and describe their debug ports as DPSpec /
//     TAPSpec values;
//   - drivers/sim/dap turns those descriptions into SW-DPs, JTAG-DPs and
//     MEM-APs, and offers the wires (SWD, JTAG) that probe firmwares drive;
//   - probe firmwares (drivers/sim/cmsisdap, drivers/sim/stlink) answer USB
//     packets by driving a wire.
//
// Chip models are written from the reference manuals, never from the
// project's own target code (targets/), and never import it.
package hw
