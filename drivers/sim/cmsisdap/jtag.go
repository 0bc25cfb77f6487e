package cmsisdap

// JTAG side of the firmware (JTAG_DP.c). The TAP controllers are walked
// from Run-Test/Idle, where every operation starts and ends.

// jtagSequence runs DAP_JTAG_Sequence: runs of TCK with a fixed TMS and
// TDI data, capturing TDO when asked.
func (f *Firmware) jtagSequence(r *reader) []byte {
	n := int(r.u8())
	resp := []byte{statusOK}
	f.forgetIR()
	for range n {
		info := r.u8()
		cycles := int(info & 0x3F)
		if cycles == 0 {
			cycles = 64
		}
		tms := info&0x40 != 0
		tdi := r.bytes((cycles + 7) / 8)
		tdo := make([]byte, (cycles+7)/8)
		for i := range cycles {
			var bit bool
			if f.cfg.JTAG != nil {
				bit = f.cfg.JTAG.Clock(tms, tdi[i/8]>>(i%8)&1 != 0)
			} else {
				bit = true
			}
			if bit {
				tdo[i/8] |= 1 << (i % 8)
			}
		}
		if info&0x80 != 0 {
			resp = append(resp, tdo...)
		}
	}
	if f.cfg.JTAG == nil {
		resp[0] = statusError
	}
	return resp
}

// jtagConfigure records the IR length of each device on the chain.
func (f *Firmware) jtagConfigure(r *reader) uint8 {
	n := int(r.u8())
	f.irLens = f.irLens[:0]
	f.forgetIR()
	for range n {
		f.irLens = append(f.irLens, int(r.u8()))
	}
	return statusOK
}

// jtagIDCode reads the DR of device index after the others are bypassed:
// the IDCODE when the TAPs were just reset (JTAG_ReadIDCode).
func (f *Firmware) jtagIDCode(index uint8) []byte {
	if f.cfg.JTAG == nil || int(index) >= max(len(f.irLens), 1) {
		return []byte{statusError, 0, 0, 0, 0}
	}
	j := f.cfg.JTAG
	j.Clock(true, true)  // Select-DR-Scan
	j.Clock(false, true) // Capture-DR
	j.Clock(false, true) // Shift-DR
	for range index {
		j.Clock(false, true) // the bypass bit of each device before it
	}
	var id uint32
	for i := range 32 {
		if j.Clock(i == 31, true) { // the last bit leaves to Exit1-DR
			id |= 1 << i
		}
	}
	j.Clock(true, true)  // Update-DR
	j.Clock(false, true) // Run-Test/Idle
	return putU32([]byte{statusOK}, id)
}

// jtagIR shifts instruction ir into the device at the current index and
// BYPASS (all ones) into every other device.
func (f *Firmware) jtagIR(index int, ir uint32) {
	j := f.cfg.JTAG
	j.Clock(true, true)  // Select-DR-Scan
	j.Clock(true, true)  // Select-IR-Scan
	j.Clock(false, true) // Capture-IR
	j.Clock(false, true) // Shift-IR
	// Index 0 is the device nearest TDO (JTAG_DP.c shifts the bypass bits
	// of the devices before the index first), so device 0's bits go first.
	total := 0
	for _, l := range f.irLens {
		total += l
	}
	bits := make([]bool, 0, total)
	for d := 0; d < len(f.irLens); d++ {
		for b := range f.irLens[d] {
			if d == index {
				bits = append(bits, ir>>b&1 != 0)
			} else {
				bits = append(bits, true)
			}
		}
	}
	for i, b := range bits {
		j.Clock(i == len(bits)-1, b)
	}
	j.Clock(true, true)  // Update-IR
	j.Clock(false, true) // Run-Test/Idle
}

// jtagDR shifts a 35-bit DPACC/APACC request through the device at index
// (one bypass bit for every other device) and returns the 35 bits out.
func (f *Firmware) jtagDR(index int, in uint64) uint64 {
	j := f.cfg.JTAG
	j.Clock(true, true)  // Select-DR-Scan
	j.Clock(false, true) // Capture-DR
	j.Clock(false, true) // Shift-DR
	for range index {
		j.Clock(false, false) // bypass bits of the devices nearer TDO
	}
	after := len(f.irLens) - 1 - index
	var out uint64
	for i := range 35 {
		last := i == 34 && after == 0
		if j.Clock(last, in>>i&1 != 0) {
			out |= 1 << i
		}
	}
	for k := range after {
		j.Clock(k == after-1, false)
	}
	j.Clock(true, true)  // Update-DR
	j.Clock(false, true) // Run-Test/Idle
	return out
}

// JTAG-DP instructions (ADIv5 §3.x; probes.md §4).
const (
	irAbort = 0x8
	irDPACC = 0xA
	irAPACC = 0xB
)

// jtagSelect loads instruction ir into the device at the current index
// unless it is there already.
func (f *Firmware) jtagSelect(ir uint32) {
	if f.curIR == ir && f.curIRIndex == f.jtagIndex {
		return
	}
	f.jtagIR(f.jtagIndex, ir)
	f.curIR, f.curIRIndex = ir, f.jtagIndex
}

// jtagAck turns the three ACK bits as shifted out (first bit in bit 0)
// into a DAP response value: OK/FAULT 0b010 -> 1, WAIT 0b001 -> 2
// (JTAG_DP.c reorders the first two bits).
func jtagAck(out uint64) uint8 {
	b := uint8(out & 7)
	return (b&1)<<1 | (b>>1)&1 | b&4
}

// jtagTransfer runs one DP/AP access over JTAG. JTAG posts every read: the
// scan returns the previous access's result. To let transfer() share the
// SWD logic (AP reads posted, DP reads not), a DP read is followed by an
// RDBUFF scan that collects its value.
func (f *Firmware) jtagTransfer(req uint8, wdata uint32) (uint8, uint32) {
	if f.cfg.JTAG == nil || len(f.irLens) == 0 || f.jtagIndex >= len(f.irLens) {
		return ackNone, 0
	}
	ir := uint32(irDPACC)
	if req&reqAPnDP != 0 {
		ir = irAPACC
	}
	f.jtagSelect(ir)
	in := uint64(req>>1&1) | uint64(req>>2&3)<<1 | uint64(wdata)<<3
	out := f.jtagDR(f.jtagIndex, in)
	ack := jtagAck(out)
	if ack != ackOK {
		return ack, 0
	}
	data := uint32(out >> 3)
	if req&reqRnW != 0 && req&reqAPnDP == 0 {
		for retry := f.waitRetry; ; retry-- {
			out = f.jtagDR(f.jtagIndex, 1|uint64(3)<<1) // DPACC read RDBUFF
			if ack = jtagAck(out); ack != ackWait || retry == 0 {
				break
			}
		}
		if ack != ackOK {
			return ack, 0
		}
		data = uint32(out >> 3)
	}
	return ackOK, data
}

// jtagWriteAbort writes the ABORT register through the ABORT instruction.
func (f *Firmware) jtagWriteAbort(v uint32) bool {
	if f.cfg.JTAG == nil || len(f.irLens) == 0 || f.jtagIndex >= len(f.irLens) {
		return false
	}
	f.jtagSelect(irAbort)
	f.jtagDR(f.jtagIndex, uint64(v)<<3)
	return true
}
