package dap

import "github.com/flashstation/flashstation/drivers/sim/clock"

// phase is where the bit-level decoder is inside a packet (ADIv5 B4.2).
type phase uint8

const (
	phIdle   phase = iota // waiting for a start bit
	phHeader              // request bits 1..7
	phTrn1                // turnaround before the ACK
	phAck                 // 3 ACK bits, target driving
	phRData               // 32 data bits and parity, target driving
	phTrnW                // turnaround before write data
	phWData               // 32 data bits and parity, host driving
	phTrnEnd              // turnaround after a read or an unanswered ACK
	phSkip                // data phase of a WAIT/FAULT answer
	phTSGap               // TARGETSEL: turnaround, ACK, turnaround, nobody driving
	phTSData              // TARGETSEL data and parity
)

// Out clocks n cycles with the host driving SWDIO, bits LSB first.
func (w *SWDWire) Out(n int, data []byte) {
	for i := 0; i < n; i++ {
		var b uint32
		if i/8 < len(data) {
			b = uint32(data[i/8]>>(i%8)) & 1
		}
		w.cycle(true, b)
	}
	w.clk.Advance(clock.Bits(n, w.hz))
}

// In clocks n cycles with the host reading SWDIO. The returned slice is
// the caller's.
func (w *SWDWire) In(n int) []byte {
	out := make([]byte, (n+7)/8)
	for i := 0; i < n; i++ {
		out[i/8] |= byte(w.cycle(false, 0) << (i % 8))
	}
	w.clk.Advance(clock.Bits(n, w.hz))
	return out
}

// Idle clocks n cycles with SWDIO low.
func (w *SWDWire) Idle(n int) {
	if n <= 0 {
		return
	}
	if w.ph == phIdle && w.mon.ones == 0 && !w.mon.capOn && w.mon.post == 0 {
		w.mon.shiftZeros(n) // nothing on the line can react to zeros
	} else {
		for i := 0; i < n; i++ {
			w.cycle(true, 0)
		}
	}
	w.clk.Advance(clock.Bits(n, w.hz))
}

// quiet reports that a whole packet can take the fast path: no packet
// half-clocked and no special sequence a packet's bits could complete.
func (w *SWDWire) quiet() bool {
	return w.ph == phIdle && w.mon.ones < 40 && !w.mon.capOn && w.mon.post == 0
}

// transferBits clocks a whole packet through the bit-level decoder, as a
// probe would bit-bang it.
func (w *SWDWire) transferBits(req uint8, wdata uint32) (uint8, uint32, bool) {
	cycles := 0
	clk := func(drive bool, b uint32) uint32 { cycles++; return w.cycle(drive, b) }
	for i := range 8 {
		clk(true, uint32(req>>i)&1)
	}
	for range w.trn {
		clk(false, 0)
	}
	var ack uint8
	for i := range 3 {
		ack |= uint8(clk(false, 0)) << i
	}
	rdata, parityOK := uint32(0xFFFFFFFF), true
	r := decodeRequest(req)
	switch {
	case ack == AckOK && r.rnw:
		rdata = 0
		for i := range 32 {
			rdata |= clk(false, 0) << i
		}
		parityOK = clk(false, 0) == parity32(rdata)
		for range w.trn {
			clk(false, 0)
		}
	case ack == AckOK || r.targetSel():
		for range w.trn {
			clk(false, 0)
		}
		for i := range 32 {
			clk(true, wdata>>i&1)
		}
		clk(true, parity32(wdata))
	default:
		for range w.trn {
			clk(false, 0)
		}
		if ack != AckWait && ack != AckFault || w.dataPhase {
			for range 33 {
				clk(false, 0)
			}
		}
	}
	w.clk.Advance(clock.Bits(cycles, w.hz))
	return ack, rdata, parityOK
}

// listening reports a DP that follows packets.
func (w *SWDWire) listening() bool {
	for _, d := range w.dps {
		if d.powered && (d.link == linkReset || d.link == linkActive) {
			return true
		}
	}
	return false
}

// cycle runs one SWCLK cycle. drive says the host drives b; otherwise the
// line carries what a target drives, or 1 (pull-up). It returns the line.
func (w *SWDWire) cycle(drive bool, b uint32) uint32 {
	line := b
	if !drive {
		line = w.targetBit()
	}
	w.advance(line)
	w.mon.feed(w, line)
	return line
}

// targetBit is what the answering DPs drive in this cycle (1 if nobody).
func (w *SWDWire) targetBit() uint32 {
	if w.kind != pktNormal {
		return 1
	}
	switch w.ph {
	case phAck:
		return uint32(w.ack>>w.n) & 1
	case phRData:
		if w.ack != AckOK {
			return 1
		}
		if w.n < 32 {
			return w.rdata >> w.n & 1
		}
		return w.rpar
	}
	return 1
}

// advance moves the packet decoder on by one bit.
func (w *SWDWire) advance(b uint32) {
	w.n++
	switch w.ph {
	case phIdle:
		if b == 1 && w.listening() {
			w.ph, w.n, w.wdata = phHeader, 1, 1
		}
	case phHeader:
		w.wdata |= b << (w.n - 1)
		if w.n == 8 {
			w.header(uint8(w.wdata), false)
			w.n = 0
			switch w.kind {
			case pktNone:
				w.ph = phIdle
			case pktTargetSel:
				w.ph = phTSGap
			default:
				w.ph = phTrn1
			}
		}
	case phTrn1:
		if w.n == w.trn {
			w.ph, w.n = phAck, 0
		}
	case phAck:
		if w.n < 3 {
			return
		}
		w.n = 0
		switch {
		case w.ack == AckOK && w.req.rnw:
			w.ph = phRData
		case w.ack == AckOK:
			w.ph = phTrnW
		default:
			w.ph = phTrnEnd
		}
	case phRData:
		if w.n == 33 {
			w.ph, w.n = phTrnEnd, 0
		}
	case phTrnW:
		if w.n == w.trn {
			w.ph, w.n, w.wdata = phWData, 0, 0
		}
	case phTSGap:
		if w.n == 2*w.trn+3 {
			w.ph, w.n, w.wdata = phTSData, 0, 0
		}
	case phWData, phTSData:
		if w.n <= 32 {
			w.wdata |= b << (w.n - 1)
			return
		}
		if w.ph == phTSData {
			w.targetSelData(w.wdata, b == parity32(w.wdata))
		} else {
			w.writeData(w.wdata, b == parity32(w.wdata))
		}
		w.ph, w.n = phIdle, 0
	case phTrnEnd:
		if w.n == w.trn {
			w.ph, w.n = phIdle, 0
			if w.ack != AckOK && w.skipsData() {
				w.ph = phSkip
			}
		}
	case phSkip:
		if w.n == 33 {
			w.ph, w.n = phIdle, 0
		}
	}
}
