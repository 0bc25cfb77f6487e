package dap

// JTAG-DP ACK values as captured in DR bits [2:0] (ADIv5 B3.3.2): the
// JTAG-DP does not tell OK from FAULT; faults show in CTRL/STAT.
const (
	JTAGAckOKFault uint8 = 0b010
	JTAGAckWait    uint8 = 0b001
)

// jtagCapture is Capture-DR of DPACC/APACC: the ACK says whether the
// previous access has completed, and the data is its result (reads are
// posted on JTAG, DP and AP alike). On WAIT the request shifted in during
// this scan is ignored.
func (d *DP) jtagCapture() (ack uint8, data uint32, wait bool) {
	if !d.powered {
		return 0b111, 0xFFFFFFFF, true
	}
	if d.busy() {
		return JTAGAckWait, 0, true
	}
	return JTAGAckOKFault, d.jtagPosted, false
}

// jtagUpdate is Update-DR of DPACC/APACC: the access runs now and its read
// result is what the next capture returns.
func (d *DP) jtagUpdate(ap, rnw bool, a uint8, v uint32) {
	if !d.powered {
		return
	}
	if !ap {
		if rnw {
			d.jtagPosted = d.jtagReadDP(a)
			return
		}
		switch a {
		case 0x4:
			d.writeBanked(v, true)
		case 0x8:
			d.sel = v
		}
		return // 0x0 and 0xC writes are reserved on a JTAG-DP
	}
	d.jtagPosted = 0
	if d.stickySet() {
		return // AP accesses are discarded while a sticky flag is set
	}
	apsel, reg := d.apsel(), d.apReg(a)
	if !rnw {
		d.apWrite(apsel, reg, v)
		return
	}
	val, wait := d.apRead(apsel, reg)
	if wait {
		d.pend = pendingAccess{set: true, read: true, apsel: apsel, reg: reg}
		return
	}
	d.jtagPosted = val
}

func (d *DP) jtagReadDP(a uint8) uint32 {
	switch a {
	case 0x0:
		if d.spec.Version >= 1 {
			return d.spec.DPIDR
		}
		return 0 // DPv0 JTAG-DPs have no DPIDR
	case 0x4:
		return d.readBanked()
	case 0x8:
		return d.sel
	}
	return 0 // RDBUFF reads as zero on a JTAG-DP: it only collects a result
}

// jtagAbort is a write through the ABORT instruction. Only DAPABORT acts:
// a JTAG-DP clears sticky flags through CTRL/STAT instead.
func (d *DP) jtagAbort(v uint32) {
	if d.powered {
		d.writeAbort(v & AbortDAPAbort)
	}
}
