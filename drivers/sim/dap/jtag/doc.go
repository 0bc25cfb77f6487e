// Package jtag is the IEEE 1149.1 TAP controller: the 16-state machine every
// TAP on a simulated JTAG chain follows (IEEE 1149.1-2013 §6.1, figure 6-1).
// Five TCK cycles with TMS high reach Test-Logic-Reset from any state.
package jtag
