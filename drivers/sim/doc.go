// Package sim is the simulated world: a USB bus of simulated debug probes,
// each wired to a simulated board, that the real drivers talk to packet by
// packet through the same link.Link seam as real USB.
//
// Layout:
//   - hw: contracts between the parts (buses, debug ports, wires, firmware);
//   - clock: per-probe virtual time; fault: seeded fault injection;
//   - dap: SW-DP, JTAG-DP, MEM-AP and the SWD/JTAG wires;
//   - chip/...: chip models written from the reference manuals;
//   - probe firmwares: cmsisdap (v1 HID, v2 bulk), stlink (V2, V2-1, V3);
//   - this package: the --sim fixture spec, the bus (plug, unplug, list),
//     and the Link that charges USB time and injects link faults.
//
// Time: every probe has its own clock. Instant mode never sleeps (tests and
// benchmarks read modeled seconds); realtime mode sleeps the modeled time,
// divided by a speed factor (demos, operator training).
package sim
