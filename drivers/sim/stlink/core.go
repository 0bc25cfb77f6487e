package stlink

import "encoding/binary"

// Cortex-M debug registers the firmware drives for its core commands
// (ARMv7-M C1.6).
const (
	regAIRCR = 0xE000ED0C
	regDHCSR = 0xE000EDF0
	regDCRSR = 0xE000EDF4
	regDCRDR = 0xE000EDF8

	aircrSysResetReq = 0x05FA0004 // VECTKEY | SYSRESETREQ
	dhcsrSRegRdy     = 1 << 16
	dcrsrWrite       = 1 << 16

	// regPolls bounds the DHCSR reads waiting for S_REGRDY.
	regPolls = 10
	// allRegs is how many registers READALLREGS returns: REGSEL 0..20
	// (R0-R15, xPSR, MSP, PSP, then two more words stlink-org calls rw
	// and rw2), 84 bytes after the 4-byte status.
	allRegs = 21
)

// word is a 32-bit memory command on AP 0 with the default CSW.
func word(addr uint32, n int) memCmd { return memCmd{addr: addr, n: n, size: 4} }

func (f *Firmware) readWord(addr uint32) (uint32, uint8) {
	if addr%4 != 0 {
		return 0, statusAlignment
	}
	var b [4]byte
	rw := f.memRead(word(addr, 4), b[:])
	return binary.LittleEndian.Uint32(b[:]), rw.status
}

func (f *Firmware) writeWord(addr, v uint32) uint8 {
	if addr%4 != 0 {
		return statusAlignment
	}
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	return f.memWrite(word(addr, 4), b[:]).status
}

// waitRegReady polls DHCSR until the core has moved the register through
// DCRDR. A core that never gets there (running, locked up) fails the
// command with the generic fault status.
func (f *Firmware) waitRegReady() uint8 {
	for range regPolls {
		v, s := f.readWord(regDHCSR)
		if s != statusOK {
			return s
		}
		if v&dhcsrSRegRdy != 0 {
			return statusOK
		}
	}
	return statusFault
}

// readCoreReg is READREG: REGSEL into DCRSR, wait, read DCRDR.
func (f *Firmware) readCoreReg(sel uint8) (uint32, uint8) {
	if s := f.writeWord(regDCRSR, uint32(sel&0x7F)); s != statusOK {
		return 0, s
	}
	if s := f.waitRegReady(); s != statusOK {
		return 0, s
	}
	return f.readWord(regDCRDR)
}

// writeCoreReg is WRITEREG: value into DCRDR, REGSEL with the write bit
// into DCRSR, wait.
func (f *Firmware) writeCoreReg(sel uint8, v uint32) uint8 {
	if s := f.writeWord(regDCRDR, v); s != statusOK {
		return s
	}
	if s := f.writeWord(regDCRSR, dcrsrWrite|uint32(sel&0x7F)); s != statusOK {
		return s
	}
	return f.waitRegReady()
}

// readAllRegs is READALLREGS: 88 bytes, status then REGSEL 0..20; it
// stops at the first register that fails.
func (f *Firmware) readAllRegs() {
	r := f.reply(4 + 4*allRegs)
	r[0] = statusOK
	for i := range allRegs {
		v, s := f.readCoreReg(uint8(i))
		if s != statusOK {
			r[0] = s
			return
		}
		binary.LittleEndian.PutUint32(r[4+4*i:], v)
	}
}
