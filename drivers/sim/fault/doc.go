// Package fault injects seeded, repeatable faults into the simulated world:
// at the link (dropped or corrupted transfers, timeouts, unplug), on the
// wire (WAIT storms, no ACK, parity errors), and in the chip (failed program
// or erase, a flash cell that does not keep its value, power loss).
package fault
