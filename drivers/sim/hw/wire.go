package hw

// SWD is a simulated SWD wire with its targets, as a probe firmware drives
// it. Every method charges the probe's clock for the cycles it clocks at
// the frequency last set.
type SWD interface {
	// SetClock sets SWCLK in Hz.
	SetClock(hz uint32)
	// Configure sets the turnaround period (1..4 cycles) and whether WAIT and
	// FAULT answers still have a data phase (DAP_SWD_Configure).
	Configure(turnaround int, dataPhase bool)
	// Out clocks n cycles with the host driving SWDIO: bits LSB first from
	// data. Line resets, JTAG-to-SWD, dormant sequences and hand-built
	// packets (TARGETSEL) all arrive here.
	Out(n int, data []byte)
	// In clocks n cycles with the host reading SWDIO; the bits, LSB first.
	// Nobody driving the line reads as 1s.
	In(n int) []byte
	// Transfer runs one whole packet: request (the 8-bit request byte as on
	// the wire, start bit in bit 0), turnaround, ACK, data phase with parity,
	// turnaround. wdata is sent for writes. ack is the 3-bit ACK as read
	// (0b111 when nobody answers); parityOK is false when a read's data
	// parity did not match.
	Transfer(request uint8, wdata uint32) (ack uint8, rdata uint32, parityOK bool)
	// Idle clocks n idle cycles (SWDIO low, host driving).
	Idle(n int)
}

// JTAG is a simulated JTAG chain as a probe firmware drives it. Charged per
// TCK cycle like SWD.
type JTAG interface {
	SetClock(hz uint32)
	// Clock runs one TCK cycle with the given TMS and TDI and returns TDO as
	// sampled before the rising edge.
	Clock(tms, tdi bool) (tdo bool)
	// SetTRST drives nTRST (true = asserted): the TAPs go to Test-Logic-Reset.
	SetTRST(asserted bool)
}
