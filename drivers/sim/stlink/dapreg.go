package stlink

import "encoding/binary"

// dapReg is READ_DAP_REG (45: port, addr -> 8 bytes, value at 4) and
// WRITE_DAP_REG (46: port, addr, value -> 2 bytes). Port FFFF is the DP;
// any other port is an APSEL. For AP reads the firmware hides the posted
// read behind an RDBUFF read, as the host wants the register's own value.
func (f *Firmware) dapReg(sub uint8, c *[cmdLen]byte) {
	port, addr, val := le16(c[2:]), le16(c[4:]), le32(c[6:])
	read := sub == dbgReadDAPReg
	var v uint32
	var s uint8
	if port == dapPortDP {
		v, s = f.dpReg(read, addr, val)
	} else {
		v, s = f.apReg(read, port, addr, val)
	}
	if !read {
		f.status(s)
		return
	}
	r := f.reply(8)
	r[0] = s
	binary.LittleEndian.PutUint32(r[4:], v)
}

func (f *Firmware) dpReg(read bool, addr uint16, val uint32) (uint32, uint8) {
	reg := uint8(addr & 0xC)
	// Banked DP registers (DPBANKSEL in SELECT[3:0]) from V2J32 / V3J2;
	// older firmware only sees bank 0. Only CTRL/STAT (4) is banked.
	if reg == dpCtrlStat && f.ver.hasCSW() {
		want := uint32(addr>>4&0xF) | f.dp.sel&^0xF
		if !f.dp.selOK {
			want = uint32(addr >> 4 & 0xF)
		}
		if s := f.selectReg(want); s != statusOK {
			return 0, s
		}
	}
	if read {
		return f.dpRead(reg)
	}
	s := f.dpWrite(reg, val)
	if reg == dpSelect {
		f.dp.sel, f.dp.selOK = val, s == statusOK
	}
	return 0, s
}

func (f *Firmware) apReg(read bool, port, addr uint16, val uint32) (uint32, uint8) {
	if port > 0xFF || (port != 0 && f.ver.hasAPInit() && !f.dp.isOpen(uint8(port))) {
		return 0, statusBadAP
	}
	ap := uint8(port)
	if s := f.selectReg(uint32(ap)<<24 | uint32(addr&0xF0)); s != statusOK {
		return 0, s
	}
	if !read {
		if ap == f.dp.cswAP && addr&0xFC == apCSW {
			f.dp.cswOK = false // the host changed CSW behind the firmware's back
		}
		return 0, f.apWrite(uint8(addr), val)
	}
	if _, s := f.apRead(uint8(addr)); s != statusOK {
		return 0, s
	}
	v, s := f.dpRead(dpRDBUFF)
	return v, apTwin(s)
}
