package cmsisdap

// swjSequence clocks bits out on SWDIO/TMS (DAP_SWJ_Sequence): line resets,
// JTAG-to-SWD and dormant sequences. 0 means 256 bits.
func (f *Firmware) swjSequence(r *reader) uint8 {
	n := int(r.u8())
	if n == 0 {
		n = 256
	}
	data := r.bytes((n + 7) / 8)
	f.forgetIR()
	switch {
	case f.cfg.SWD != nil && f.port != 2:
		f.cfg.SWD.Out(n, data)
	case f.cfg.JTAG != nil:
		for i := range n {
			f.cfg.JTAG.Clock(data[i/8]>>(i%8)&1 != 0, true)
		}
	}
	return statusOK
}

// swdSequence runs DAP_SWD_Sequence: output or input runs of 1..64 cycles;
// the response carries the captured input bits, each run byte-padded.
func (f *Firmware) swdSequence(r *reader) []byte {
	n := int(r.u8())
	resp := []byte{statusOK}
	for range n {
		info := r.u8()
		cycles := int(info & 0x3F)
		if cycles == 0 {
			cycles = 64
		}
		if info&0x80 != 0 {
			if f.cfg.SWD == nil {
				resp = append(resp, make([]byte, (cycles+7)/8)...)
				continue
			}
			resp = append(resp, f.cfg.SWD.In(cycles)...)
			continue
		}
		data := r.bytes((cycles + 7) / 8)
		if f.cfg.SWD != nil {
			f.cfg.SWD.Out(cycles, data)
		}
	}
	if f.cfg.SWD == nil {
		resp[0] = statusError
	}
	return resp
}
