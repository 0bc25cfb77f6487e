// Package clock is the simulator's virtual time: one Clock per simulated
// probe and the board wired to it. Every modeled cost (a USB round trip, an
// SWD bit at the configured clock, a WAIT retry, a flash program or erase)
// advances it; nothing in the simulator reads the wall clock.
package clock
