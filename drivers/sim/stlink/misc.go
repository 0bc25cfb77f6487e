package stlink

import "encoding/binary"

// RW_MISC: a batch of 32-bit AP accesses in two commands, which OpenOCD's
// st-link (dapdirect) driver queues on firmware from V2J32 / V3J2 (its
// STLINK_F_HAS_RW_MISC is STLINK_F_HAS_DPBANKSEL; src/jtag/drivers/
// stlink_usb.c, stlink_usb_rw_misc_out/_in and stlink_usb_misc_rw_segment
// in 0.12). ST publishes no description; OpenOCD's is the only one:
//
//	F2 51 items:u32, then an OUT data phase of ALIGN_UP(items, 4) command
//	bytes (zero padded) followed by items u32 values; no reply.
//	F2 52: an IN reply of items u32 results then items u32 statuses
//	(0x80 each when it went well), one of each per command byte.
//
// Command bytes: 5 APNUM (value: the AP for what follows), 1 ADDRESS
// (value: the address for the next WRITE), 2 WRITE (value: the word), 3
// READ (value: the address; result: the word read).
const (
	dbgRWMiscOut = 0x51
	dbgRWMiscIn  = 0x52

	miscAddress = 1
	miscWrite   = 2
	miscRead    = 3
	miscAPNum   = 5
)

// miscMaxItems is what OpenOCD sends at most per batch (STLINK_V2_RW_MISC_SIZE,
// STLINK_V3_RW_MISC_SIZE, "to recover with RW_MISC_GET_MAX"); the V3 batch
// fills the 6144-byte buffer (1228 + 4·1227 bytes).
func (v version) miscMaxItems() int {
	if v.hw >= 3 {
		return 1227
	}
	return 64
}

func (v version) hasRWMisc() bool { return v.hasCSW() }

// miscOut takes F2 51: the data phase that follows carries the batch. A
// batch larger than the firmware's buffer is swallowed and answered with
// errors.
func (f *Firmware) miscOut(c *[cmdLen]byte) {
	n := int(le32(c[2:]))
	f.misc, f.miscItems, f.miscBad = nil, n, 0
	ok := n <= f.ver.miscMaxItems()
	if !ok {
		f.miscBad = n
	}
	f.wrLen, f.wrGot, f.wrBuf, f.wrRefused, f.wrMisc = (n+3)&^3+4*n, 0, f.wrBuf[:0], !ok, true
	if f.wrLen == 0 { // an empty batch: nothing follows
		f.wrMisc, f.misc = false, []uint32{}
	}
}

// miscRun carries out a batch as it arrives complete.
func (f *Firmware) miscRun(data []byte) {
	n := f.miscItems
	cmds, vals := data[:n], data[(n+3)&^3:]
	res := make([]uint32, 2*n)
	ap, addr := uint8(0), uint32(0)
	for i := range n {
		v := binary.LittleEndian.Uint32(vals[4*i:])
		s := uint8(statusOK)
		switch cmds[i] {
		case miscAPNum:
			if v > 0xFF || v != 0 && !f.dp.isOpen(uint8(v)) {
				s = statusBadAP
			} else {
				ap = uint8(v)
			}
		case miscAddress:
			addr = v
		case miscWrite:
			if addr%4 != 0 {
				s = statusAlignment
				break
			}
			var b [4]byte
			binary.LittleEndian.PutUint32(b[:], v)
			f.rw = f.memWrite(memCmd{op: dbgWriteMem32, addr: addr, n: 4, ap: ap, size: 4}, b[:])
			s = f.rw.status
		case miscRead:
			if v%4 != 0 {
				s = statusAlignment
				break
			}
			var b [4]byte
			f.rw = f.memRead(memCmd{op: dbgReadMem32, addr: v, n: 4, ap: ap, size: 4}, b[:])
			res[i], s = binary.LittleEndian.Uint32(b[:]), f.rw.status
		default:
			s = statusCmdError
		}
		res[n+i] = uint32(s)
	}
	f.misc = res
}

// miscIn answers F2 52 with the last batch's results and statuses.
func (f *Firmware) miscIn() {
	switch {
	case f.miscBad > 0:
		n := min(f.miscBad, maxRW16_32/8)
		r := f.reply(8 * n)
		for i := range n {
			binary.LittleEndian.PutUint32(r[4*(n+i):], statusCmdError)
		}
		f.miscBad = 0
	case f.misc == nil:
		f.status(statusCmdError) // no batch was sent
	default:
		r := f.reply(4 * len(f.misc))
		for i, v := range f.misc {
			binary.LittleEndian.PutUint32(r[4*i:], v)
		}
		f.misc = nil
	}
}
