// Package stlinkbench measures how fast an ST-Link moves target RAM, over
// any link.Link: the simulator's (modeled time, via link.Clocked) or a
// real probe's (wall time). It compares the result with the SWD wire
// ceiling: 46 clock cycles per 32-bit access (8 request, 1 turnaround,
// 3 ACK, 33 data+parity, 1 turnaround; /work/shared/facts/performance.md),
// i.e. 11.5 µs per word at 4 MHz.
package stlinkbench
