package dap

// Special sequences on SWDIO (ADIv5.2 B5.2, B5.3), as 16-bit values sent
// LSB first after at least 50 cycles high.
const (
	seqJTAGToSWD    = 0xE79E
	seqSWDToJTAG    = 0xE73C
	seqSWDToDormant = 0xE3BC
	// lineResetOnes is the minimum run of 1s of a line reset.
	lineResetOnes = 50
	// activationSWD is the SW-DP activation code after the selection alert
	// and 4 cycles low, 8 bits LSB first.
	activationSWD = 0x1A
)

// The 128-bit selection alert, LSB first: 0x19BC0EA2_E3DDAFE9_86852D95_6209F392.
const (
	alertLo uint64 = 0x86852D956209F392
	alertHi uint64 = 0x19BC0EA2E3DDAFE9
)

var sequences = [...]uint16{seqJTAGToSWD, seqSWDToJTAG, seqSWDToDormant}

// lineMonitor watches SWDIO for line resets, the JTAG/SWD/dormant
// switching sequences and the dormant wake-up, beside the packet decoder,
// as the SWJ-DP's own watcher does in hardware.
type lineMonitor struct {
	ones int // current run of 1s

	capOn bool // capturing the 16 bits after a run of >= 50 ones
	cap   uint16
	capN  int

	hist0, hist1 uint64 // the last 128 bits, newest at the top of hist1
	post         int    // bits left after a selection alert (4 low + code)
	code         uint16
}

// feed takes one bit of the line.
func (m *lineMonitor) feed(w *SWDWire, b uint32) {
	m.hist0 = m.hist0>>1 | m.hist1<<63
	m.hist1 = m.hist1>>1 | uint64(b)<<63
	if m.post > 0 {
		m.code |= uint16(b) << (12 - m.post)
		m.post--
		if m.post == 0 && m.code>>4 == activationSWD {
			w.wake()
		}
	} else if m.hist0 == alertLo && m.hist1 == alertHi {
		m.post, m.code = 12, 0
	}

	if b == 0 {
		if m.ones >= lineResetOnes {
			m.capOn, m.cap, m.capN = true, 0, 0
		}
		m.ones = 0
	} else if m.ones < 1<<20 {
		m.ones++
	}
	if !m.capOn {
		return
	}
	m.cap |= uint16(b) << m.capN
	m.capN++
	if m.capN == 2 && m.cap == 0 {
		w.lineReset()
	}
	if m.capN == 16 {
		m.capOn = false
		w.sequence(m.cap)
		return
	}
	mask := uint16(1)<<m.capN - 1
	viable := false
	for _, s := range sequences {
		viable = viable || s&mask == m.cap
	}
	m.capOn = viable
}

// shiftZeros takes n low cycles on a quiet line.
func (m *lineMonitor) shiftZeros(n int) {
	m.ones = 0
	if n >= 128 {
		m.hist0, m.hist1 = 0, 0
		return
	}
	for ; n > 0; n-- {
		m.hist0 = m.hist0>>1 | m.hist1<<63
		m.hist1 >>= 1
	}
}

// afterPacket sets the monitor as a packet run on the fast path leaves it:
// a packet holds a 0 (the stop bit), so no sequence spans it.
func (m *lineMonitor) afterPacket(trailingOnes int) {
	m.ones = trailingOnes
	m.capOn = false
	m.hist0, m.hist1 = 0, 0 // a packet never completes a selection alert
}

// lineReset: every DP that is not dormant or in JTAG mode enters the reset
// state, and the packet decoder starts over.
func (w *SWDWire) lineReset() {
	for _, d := range w.dps {
		if d.powered && (d.link == linkReset || d.link == linkActive || d.link == linkLockout) {
			d.link = linkReset
		}
		d.wireResp, d.wireSel = false, false
	}
	w.ph, w.n, w.kind = phIdle, 0, pktNone
}

// sequence acts on a 16-bit switching sequence.
func (w *SWDWire) sequence(s uint16) {
	for _, d := range w.dps {
		if !d.powered {
			continue
		}
		switch {
		case s == seqJTAGToSWD && d.link == linkJTAG:
			d.link = linkLockout // now SWD; a line reset must follow
		case s == seqSWDToJTAG && d.swj && d.link != linkDormant:
			d.link = linkJTAG
		case s == seqSWDToDormant && d.spec.Version >= 2:
			d.link = linkDormant
		}
	}
	w.ph, w.n, w.kind = phIdle, 0, pktNone
}

// wake takes dormant DPs to the SWD reset state after the activation code.
func (w *SWDWire) wake() {
	for _, d := range w.dps {
		if d.powered && d.link == linkDormant {
			d.link = linkReset
		}
	}
	w.ph, w.n, w.kind = phIdle, 0, pktNone
}
