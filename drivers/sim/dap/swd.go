package dap

import (
	"math/bits"

	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/fault"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// DefaultSWDHz is SWCLK until a probe sets it.
const DefaultSWDHz = 1_000_000

// SWDWire is the SWD bus between one probe and the DPs of one nest (one DP
// for most chips, several on a multidrop bus). It implements hw.SWD. All
// cycles are charged to the probe's clock at the configured SWCLK.
type SWDWire struct {
	clk    *clock.Clock
	faults *fault.Injector
	dps    []*DP

	hz        uint32
	trn       int
	dataPhase bool
	storm     int // WAIT answers left in an injected WAIT storm

	// Packet in flight on the bit-level path (Out/In/Idle).
	ph    phase
	n     int
	req   request
	kind  pktKind
	ack   uint8
	rdata uint32
	rpar  uint32
	wdata uint32

	mon lineMonitor
}

var _ hw.SWD = (*SWDWire)(nil)

// NewSWDWire wires dps to a probe. faults may be nil. With no DPs the wire
// is an empty nest: nobody ever answers.
func NewSWDWire(clk *clock.Clock, faults *fault.Injector, dps ...*DP) *SWDWire {
	return &SWDWire{clk: clk, faults: faults, dps: dps, hz: DefaultSWDHz, trn: 1}
}

// SetClock sets SWCLK in Hz (0 keeps the previous value).
func (w *SWDWire) SetClock(hz uint32) {
	if hz > 0 {
		w.hz = hz
	}
}

// Configure sets the turnaround (1..4 cycles) and whether WAIT and FAULT
// answers still carry a data phase.
func (w *SWDWire) Configure(turnaround int, dataPhase bool) {
	w.trn = min(max(turnaround, 1), 4)
	w.dataPhase = dataPhase
}

// SetPowered switches the nest's supply: an unpowered chip's DPs drive
// nothing (ACK reads 0b111) and come back from power-on reset.
func (w *SWDWire) SetPowered(on bool) {
	for _, d := range w.dps {
		d.SetPowered(on)
	}
	if !on {
		w.ph = phIdle
	}
}

// SetSWJ marks the DPs as SWJ-DPs that power up in JTAG mode (STM32).
func (w *SWDWire) SetSWJ(on bool) {
	for _, d := range w.dps {
		d.SetSWJ(on)
	}
}

// DPs returns the debug ports on the wire.
func (w *SWDWire) DPs() []*DP { return w.dps }

// request is a decoded SWD packet header.
type request struct {
	ap, rnw bool
	a       uint8
	ok      bool // start, parity, stop and park bits as the spec demands
}

func decodeRequest(b uint8) request {
	r := request{ap: b&2 != 0, rnw: b&4 != 0, a: (b >> 1) & 0xC}
	par := bits.OnesCount8(b&0x1E) & 1
	r.ok = b&1 == 1 && int(b>>5&1) == par && b&0x40 == 0 && b&0x80 != 0
	return r
}

func (r request) targetSel() bool { return r.ok && !r.ap && !r.rnw && r.a == 0xC }

type pktKind uint8

const (
	pktNone      pktKind = iota // nobody follows the packet
	pktNormal                   // one or more DPs answer
	pktTargetSel                // DPs in reset state read the TARGETSEL data
)

func parity32(v uint32) uint32 { return uint32(bits.OnesCount32(v) & 1) }

// header runs what the DPs do once a packet header is on the wire: link
// state rules (ADIv5 B4.3: after a line reset only a DPIDR read or a
// TARGETSEL write; a bad header is a protocol error), the ACK, and for
// reads the data. inject applies the fault injector (whole-packet path).
func (w *SWDWire) header(b uint8, inject bool) {
	r := decodeRequest(b)
	w.req, w.kind, w.ack, w.rdata, w.rpar = r, pktNone, AckNone, 0xFFFFFFFF, 1
	if inject && w.faults.Fire(fault.NoAck) {
		return
	}
	first := true
	for _, d := range w.dps {
		d.wireResp = false
		if !d.powered || d.link != linkReset && d.link != linkActive {
			continue
		}
		switch {
		case !r.ok:
			d.link = linkLockout
			continue
		case r.targetSel():
			if d.link == linkReset {
				d.wireSel = true
				w.kind = pktTargetSel
			} else {
				d.link = linkLockout
			}
			continue
		case d.link == linkReset && (r.ap || !r.rnw || r.a != 0):
			d.link = linkLockout
			continue
		}
		d.link = linkActive
		ack, v := w.answer(d, r, inject)
		d.wireResp, d.wireAck = true, ack
		if first {
			w.ack, w.rdata, first = ack, v, false
		} else {
			// Two targets driving at once: model the contention as a
			// wired AND (a low driver wins).
			w.ack &= ack
			w.rdata &= v
		}
		w.kind = pktNormal
	}
	if w.kind == pktNormal && r.rnw && w.ack == AckOK {
		w.rpar = parity32(w.rdata)
		if inject && w.faults.Fire(fault.Parity) {
			w.rpar ^= 1
		}
	}
}

// answer is one DP's ACK (and read data) for a request.
func (w *SWDWire) answer(d *DP, r request, inject bool) (uint8, uint32) {
	if inject && !exempt(r.ap, r.rnw, r.a) && w.faults != nil && !d.stickySet() {
		// A deterministic WAIT (fault.Wait armed for N transfers): the
		// AP or memory system is busy for exactly that many packets.
		if w.faults.Fire(fault.Wait) {
			return AckWait, 0
		}
		if w.storm == 0 && w.faults.Fire(fault.WaitStorm) {
			w.storm = 1 + w.faults.Intn(128)
		}
		if w.storm > 0 {
			w.storm--
			return AckWait, 0
		}
	}
	if r.rnw {
		return d.swdRead(r.ap, r.a)
	}
	return d.gate(r.ap, false, r.a), 0
}

// writeData delivers a write's data phase to the DPs that acknowledged it.
func (w *SWDWire) writeData(v uint32, parityOK bool) {
	for _, d := range w.dps {
		if !d.wireResp || d.wireAck != AckOK {
			continue
		}
		if !parityOK {
			d.ctrl |= CtrlWDataErr // the write is discarded (ADIv5 B4.2.5)
			continue
		}
		if !w.req.ap && w.req.a == 0 && v&AbortDAPAbort != 0 {
			w.storm = 0
		}
		d.swdWrite(w.req.ap, w.req.a, v)
	}
}

// targetSelData ends a TARGETSEL write: a DP whose ID matches stays in the
// reset state and is selected; the others are deselected (locked out) until
// the next line reset. A parity error counts as a mismatch.
func (w *SWDWire) targetSelData(v uint32, parityOK bool) {
	for _, d := range w.dps {
		if !d.wireSel {
			continue
		}
		d.wireSel = false
		if !parityOK || v != d.targetSel() {
			d.link = linkLockout
		}
	}
}

// skipsData reports whether a WAIT or FAULT answer still has a data phase
// (DAP_SWD_Configure, or ORUNDETECT on the answering DP).
func (w *SWDWire) skipsData() bool {
	if w.dataPhase {
		return true
	}
	for _, d := range w.dps {
		if d.wireResp && d.ctrl&CtrlOrunDetect != 0 {
			return true
		}
	}
	return false
}

// Transfer runs one whole packet. On a quiet line it takes the fast path
// (no per-bit work); otherwise the packet is clocked through the bit-level
// decoder so both views stay one.
func (w *SWDWire) Transfer(request uint8, wdata uint32) (ack uint8, rdata uint32, parityOK bool) {
	if !w.quiet() {
		return w.transferBits(request, wdata)
	}
	head := 8 + w.trn
	w.clk.Advance(clock.Bits(head, w.hz))
	w.header(request, true)
	cycles := 3 + w.trn + 33 // ACK, turnaround, data and parity
	ack, rdata, parityOK = w.ack, 0xFFFFFFFF, true
	switch {
	case w.kind == pktTargetSel:
		cycles = 3 + w.trn + 33
		w.targetSelData(wdata, true)
	case w.kind == pktNormal && w.ack == AckOK:
		if w.req.rnw {
			rdata = w.rdata
			parityOK = parity32(rdata) == w.rpar
		} else {
			w.writeData(wdata, true)
		}
	case w.kind == pktNormal && (w.ack == AckWait || w.ack == AckFault):
		cycles = 3 + w.trn
		if w.skipsData() {
			cycles += 33
		}
	}
	// Nobody answering: the host cannot tell the direction and clocks the
	// data phase as back-off, as the CMSIS-DAP reference firmware does.
	w.clk.Advance(clock.Bits(head+cycles, w.hz) - clock.Bits(head, w.hz))
	w.mon.afterPacket(w.trailingOnes(ack, rdata, wdata))
	return ack, rdata, parityOK
}

// trailingOnes is how many 1 cycles end the packet just run, for the line
// reset detector (released cycles read 1).
func (w *SWDWire) trailingOnes(ack uint8, rdata, wdata uint32) int {
	switch {
	case w.kind == pktNormal && ack == AckOK && w.req.rnw:
		if w.rpar == 0 {
			return w.trn
		}
		return w.trn + 1 + bits.LeadingZeros32(^rdata)
	case w.kind == pktNormal && ack == AckOK || w.kind == pktTargetSel:
		if parity32(wdata) == 0 {
			return 0
		}
		return 1 + bits.LeadingZeros32(^wdata)
	case w.kind == pktNormal && ack == AckWait:
		return w.trn
	}
	return w.trn + 36 // released ACK and back-off read as ones
}
