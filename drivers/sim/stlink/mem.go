package stlink

import "encoding/binary"

// MEM-AP registers and CSW fields (ADIv5 C2.6).
const (
	apCSW = 0x00
	apTAR = 0x04
	apDRW = 0x0C

	cswAddrIncSingle = 0x10
	// cswDefaultHi is the CSW the firmware uses when the host gives none
	// (firmware before V2J32/V3J2, or CSW bytes 0): OpenOCD's AHB default,
	// privileged data access as debugger with DbgSwEnable; ST does not
	// publish its own.
	cswDefaultHi = 0xA2000000
)

// memCmd is a parsed memory command: F2 op addr:u32 len:u16 ap:u8
// csw[31:8]:u24.
type memCmd struct {
	op    uint8
	addr  uint32
	n     int
	ap    uint8
	cswHi uint32
	size  int // bytes per access: 1, 2 or 4
}

// rwStatus is what GETLASTRWSTATUS(2) reports about the last memory
// command: its status and, when an access failed, the failing address.
type rwStatus struct {
	status    uint8
	faultAddr uint32
}

func isWrite(op uint8) bool {
	return op == dbgWriteMem32 || op == dbgWriteMem8 || op == dbgWriteMem16
}

func accessSize(op uint8) int {
	switch op {
	case dbgReadMem8, dbgWriteMem8:
		return 1
	case dbgReadMem16, dbgWriteMem16:
		return 2
	}
	return 4
}

func (f *Firmware) memCommand(c *[cmdLen]byte) {
	m := memCmd{op: c[1], addr: le32(c[2:]), n: int(le16(c[6:])), ap: c[8],
		cswHi: uint32(c[9]) | uint32(c[10])<<8 | uint32(c[11])<<16, size: accessSize(c[1])}
	if !f.ver.hasAPInit() {
		m.ap = 0 // byte 8 was reserved before multi-AP firmware
	}
	if !f.ver.hasCSW() {
		m.cswHi = 0
	}
	refused := f.refuse(m)
	if isWrite(m.op) {
		if m.n == 0 {
			f.rw = rwStatus{status: refused}
			return
		}
		// The data phase follows whether or not the command can run; a
		// refused one is swallowed so the next command block is read as one.
		f.wr, f.wrLen, f.wrGot, f.wrBuf = m, m.n, 0, f.wrBuf[:0]
		f.wrRefused = refused != statusOK
		f.rw = rwStatus{status: refused, faultAddr: m.addr}
		return
	}
	if refused != statusOK || m.n == 0 {
		// Refused before touching the wire: no data phase.
		f.rw = rwStatus{status: refused, faultAddr: m.addr}
		return
	}
	n := m.n
	if n == 1 {
		n = 2 // a 1-byte read answers 2 bytes (OpenOCD, probe-rs read 2)
	}
	f.rw = f.memRead(m, f.reply(n))
}

// refuse checks a memory command against the firmware's limits before any
// wire access (OpenOCD stlink_usb_read_mem*/write_mem*; stlink-org usb.c).
func (f *Firmware) refuse(m memCmd) uint8 {
	limit := maxRW16_32
	if m.size == 1 {
		limit = f.ver.maxRW8()
	}
	switch {
	case m.n > limit:
		return statusCmdError
	case m.size > 1 && (m.addr%uint32(m.size) != 0 || m.n%m.size != 0):
		return statusAlignment
	case m.ap != 0 && !f.dp.isOpen(m.ap):
		return statusBadAP
	}
	return statusOK
}

func (f *Firmware) csw(m memCmd) uint32 {
	hi := m.cswHi << 8
	if hi == 0 {
		hi = cswDefaultHi
	}
	return hi | cswAddrIncSingle | uint32(m.size>>1) // size field: 0, 1, 2
}

// setup selects the AP, sets CSW (when it changed) and TAR, once per TAR
// window of a command (tarWindow).
func (f *Firmware) setup(ap uint8, csw, addr uint32) uint8 {
	if s := f.selectReg(uint32(ap) << 24); s != statusOK {
		return s
	}
	if !f.dp.cswOK || f.dp.cswAP != ap || f.dp.csw != csw {
		if s := f.apWrite(apCSW, csw); s != statusOK {
			return s
		}
		f.dp.csw, f.dp.cswAP, f.dp.cswOK = csw, ap, true
	}
	return f.apWrite(apTAR, addr)
}

// failed records a wire failure: the firmware forgets its SELECT and CSW
// caches (it no longer knows what the target holds), cancels a transfer
// stuck in WAIT and clears sticky errors so the next command can run.
func (f *Firmware) failed(s uint8, addr uint32) rwStatus {
	f.dp.selOK, f.dp.cswOK = false, false
	if s == statusAPWait || s == statusDPWait {
		f.dpWrite(dpIDR, abortDAPAbort) // give up the transfer the target still holds
	}
	if s == statusAPFault || s == statusDPFault {
		f.clearSticky()
		s = statusAPFault // a fault in a memory command is the AP's bus error
	}
	return rwStatus{status: s, faultAddr: addr}
}

// memRead reads m.n bytes into out. AP reads are posted: each DRW read
// returns the previous one's data and RDBUFF the last, so a FAULT on
// access i reports the bus error of access i-1. Data after a failure
// stays zero; the host still gets the whole data phase.
func (f *Firmware) memRead(m memCmd, out []byte) rwStatus {
	for off := 0; off < m.n; {
		c := tarBlock(m, off)
		if rw := f.memReadBlock(c, out[off:]); rw.status != statusOK {
			return rw
		}
		off += c.n
	}
	return rwStatus{status: statusOK}
}

// tarWindow is the TAR auto-increment range ADIv5 guarantees (C2.2.2:
// only TAR[9:0] is sure to increment). The firmware takes 16/32-bit
// commands up to its 6144-byte buffer whatever the address, so it writes
// TAR again at each 1 KiB boundary: OpenOCD's st-link (dapdirect) driver
// merges consecutive DRW accesses into one READ/WRITEMEM across those
// boundaries ("stlink handles USB packet split and the limit is the
// internal buffer size of 6144 bytes", stlink_usb.c 0.12,
// stlink_usb_count_buf_rw_queue), and verifies a 6 KiB read.
const tarWindow = 1024

// tarBlock is the part of m from byte off to the end of that TAR window.
func tarBlock(m memCmd, off int) memCmd {
	c := m
	c.addr = m.addr + uint32(off)
	c.n = min(m.n-off, tarWindow-int(c.addr%tarWindow))
	c.n -= c.n % m.size
	if c.n == 0 {
		c.n = min(m.size, m.n-off)
	}
	return c
}

// memReadBlock reads one TAR window's part of a command.
func (f *Firmware) memReadBlock(m memCmd, out []byte) rwStatus {
	if s := f.setup(m.ap, f.csw(m), m.addr); s != statusOK {
		return f.failed(s, m.addr)
	}
	count := m.n / m.size
	at := func(i int) uint32 { return m.addr + uint32(i*m.size) }
	if _, s := f.apRead(apDRW); s != statusOK {
		return f.failed(s, m.addr)
	}
	for i := 1; i < count; i++ {
		v, s := f.apRead(apDRW)
		if s != statusOK {
			return f.failed(s, at(i-1))
		}
		put(out, m, i-1, v)
	}
	v, s := f.dpRead(dpRDBUFF)
	if s != statusOK {
		return f.failed(apTwin(s), at(count-1))
	}
	put(out, m, count-1, v)
	return rwStatus{status: statusOK}
}

// memWrite writes data; a final RDBUFF read waits for the last write to
// complete and shows whether it faulted.
func (f *Firmware) memWrite(m memCmd, data []byte) rwStatus {
	for off := 0; off < m.n; {
		c := tarBlock(m, off)
		if rw := f.memWriteBlock(c, data[off:]); rw.status != statusOK {
			return rw
		}
		off += c.n
	}
	return rwStatus{status: statusOK}
}

// memWriteBlock writes one TAR window's part of a command.
func (f *Firmware) memWriteBlock(m memCmd, data []byte) rwStatus {
	if s := f.setup(m.ap, f.csw(m), m.addr); s != statusOK {
		return f.failed(s, m.addr)
	}
	count := m.n / m.size
	for i := range count {
		if s := f.apWrite(apDRW, get(data, m, i)); s != statusOK {
			a := m.addr
			if i > 0 {
				a += uint32((i - 1) * m.size)
			}
			return f.failed(s, a)
		}
	}
	if _, s := f.dpRead(dpRDBUFF); s != statusOK {
		return f.failed(apTwin(s), m.addr+uint32((count-1)*m.size))
	}
	return rwStatus{status: statusOK}
}

// apTwin turns the status of an RDBUFF read that completes an AP access
// into the AP code (0x14..0x17 -> 0x10..0x13).
func apTwin(s uint8) uint8 {
	if s >= statusDPWait && s <= statusDPParity {
		return s - 4
	}
	return s
}

// put stores access i's DRW value, taking the byte lanes of a narrow
// access (ADIv5: data sits in the lanes of its address).
func put(out []byte, m memCmd, i int, v uint32) {
	a := m.addr + uint32(i*m.size)
	switch m.size {
	case 4:
		binary.LittleEndian.PutUint32(out[4*i:], v)
	case 2:
		binary.LittleEndian.PutUint16(out[2*i:], uint16(v>>(8*(a&2))))
	default:
		out[i] = byte(v >> (8 * (a & 3)))
	}
}

// get is the DRW value that writes access i's data in its byte lanes.
func get(data []byte, m memCmd, i int) uint32 {
	a := m.addr + uint32(i*m.size)
	switch m.size {
	case 4:
		return binary.LittleEndian.Uint32(data[4*i:])
	case 2:
		return uint32(binary.LittleEndian.Uint16(data[2*i:])) << (8 * (a & 2))
	}
	return uint32(data[i]) << (8 * (a & 3))
}
