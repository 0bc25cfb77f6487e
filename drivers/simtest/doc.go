// Package simtest opens simulated probes (drivers/sim) through their real
// drivers, for tests and benchmarks of the driver stack: discover finds the
// probe, discover.Open opens it, and for CMSIS-DAP the ARM layer
// (drivers/arm) powers up the DP and builds the MEM-AP. A Rig can wrap the
// Link it opens (link.NewRecorder), so the same path records exchange files.
package simtest
