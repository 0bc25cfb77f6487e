package stlink

import "encoding/binary"

// DEBUG (F2) subcommands (OpenOCD stlink_usb.c, stlink-org commands.h).
const (
	dbgReadMem32   = 0x07
	dbgWriteMem32  = 0x08
	dbgReadMem8    = 0x0C
	dbgWriteMem8   = 0x0D
	dbgExit        = 0x21
	dbgEnter       = 0x30
	dbgReadIDCodes = 0x31
	dbgResetSys    = 0x32
	dbgReadReg     = 0x33
	dbgWriteReg    = 0x34
	dbgWriteDbgReg = 0x35
	dbgReadDbgReg  = 0x36
	dbgReadAllRegs = 0x3A
	dbgLastRW      = 0x3B
	dbgDriveNRST   = 0x3C
	dbgLastRW2     = 0x3E
	dbgSWDSetFreq  = 0x43
	dbgJTAGSetFreq = 0x44
	dbgReadDAPReg  = 0x45
	dbgWriteDAPReg = 0x46
	dbgReadMem16   = 0x47
	dbgWriteMem16  = 0x48
	dbgInitAP      = 0x4B
	dbgCloseAP     = 0x4C
	dbgSetComFreq  = 0x61
	dbgGetComFreq  = 0x62

	enterSWD         = 0xA3
	enterJTAGNoReset = 0xA4
	enterJTAGReset   = 0x00

	nrstLow   = 0x00
	nrstHigh  = 0x01
	nrstPulse = 0x02

	dapPortDP = 0xFFFF
)

func (f *Firmware) debug(c *[cmdLen]byte) {
	v := f.ver
	switch sub := c[1]; sub {
	case dbgEnter:
		f.enter(c[2])
	case dbgExit:
		// No reply. The probe lets go of the target and is idle again.
		f.mode = modeMass
		f.dp = dpState{}
	case dbgReadIDCodes:
		id, s := f.readIDCode()
		r := f.reply(12)
		r[0] = s
		binary.LittleEndian.PutUint32(r[4:], id)
	case dbgReadMem32, dbgWriteMem32, dbgReadMem8, dbgWriteMem8:
		f.memCommand(c)
	case dbgReadMem16, dbgWriteMem16:
		if !v.hasMem16() {
			f.unknown()
			return
		}
		f.memCommand(c)
	case dbgLastRW:
		f.status(f.rw.status)
	case dbgLastRW2:
		if !v.hasRWStatus2() {
			f.unknown()
			return
		}
		r := f.reply(12)
		r[0] = f.rw.status
		binary.LittleEndian.PutUint32(r[4:], f.rw.faultAddr)
	case dbgReadDbgReg:
		val, s := f.readWord(le32(c[2:]))
		r := f.reply(8)
		r[0] = s
		binary.LittleEndian.PutUint32(r[4:], val)
	case dbgWriteDbgReg:
		f.status(f.writeWord(le32(c[2:]), le32(c[6:])))
	case dbgReadReg:
		val, s := f.readCoreReg(c[2])
		r := f.reply(8)
		r[0] = s
		binary.LittleEndian.PutUint32(r[4:], val)
	case dbgWriteReg:
		f.status(f.writeCoreReg(c[2], le32(c[3:])))
	case dbgReadAllRegs:
		f.readAllRegs()
	case dbgResetSys:
		f.status(f.writeWord(regAIRCR, aircrSysResetReq))
	case dbgDriveNRST:
		f.driveNRST(c[2])
	case dbgSWDSetFreq:
		if !v.hasSWDFreq() {
			f.unknown()
			return
		}
		f.swdDivisor = le16(c[2:])
		f.applyClock()
		f.status(statusOK)
	case dbgJTAGSetFreq:
		if !v.hasJTAGFreq() {
			f.unknown()
			return
		}
		f.jtagDiv = le16(c[2:]) // kept for a JTAG wire; none is modelled
		f.status(statusOK)
	case dbgGetComFreq, dbgSetComFreq:
		if !v.hasComFreq() {
			f.unknown()
			return
		}
		f.comFreq(sub, c)
	case dbgReadDAPReg, dbgWriteDAPReg:
		if !v.hasDAPReg() {
			f.unknown()
			return
		}
		f.dapReg(sub, c)
	case dbgInitAP, dbgCloseAP:
		if !v.hasAPInit() {
			f.unknown()
			return
		}
		f.dp.setOpen(c[2], sub == dbgInitAP)
		f.status(statusOK)
	case dbgRWMiscOut, dbgRWMiscIn:
		if !v.hasRWMisc() {
			f.unknown()
			return
		}
		if sub == dbgRWMiscOut {
			f.miscOut(c)
		} else {
			f.miscIn()
		}
	default:
		f.unknown()
	}
}

// unknown answers a DEBUG subcommand this firmware does not have:
// STLINK_JTAG_UNKNOWN_CMD (0x42) in a 2-byte status reply.
func (f *Firmware) unknown() { f.status(statusUnknownCmd) }

func (f *Firmware) enter(how uint8) {
	switch how {
	case enterSWD:
		s := f.connect()
		if s == statusOK {
			f.mode = modeDebug
		}
		f.status(s)
	case enterJTAGNoReset, enterJTAGReset:
		// No JTAG chain is wired to a simulated ST-Link: scanning for an
		// IDCODE finds nothing, as on a real probe with nothing attached.
		f.status(statusIDCodeError)
	default:
		f.status(statusCmdError)
	}
}

func (f *Firmware) driveNRST(how uint8) {
	set := func(low bool) {
		f.nrstLow = low
		if f.cfg.Reset != nil {
			f.cfg.Reset(low)
		}
	}
	switch how {
	case nrstLow:
		set(true)
	case nrstHigh:
		set(false)
	case nrstPulse:
		set(true)
		set(false)
	default:
		f.status(statusCmdError)
		return
	}
	f.status(statusOK)
}

// comFreq is GET_COM_FREQ (52 bytes: status, current kHz at 4, count at 8,
// the table from 12) and SET_COM_FREQ (8 bytes: status, kHz in effect at
// 4). Byte 2 picks SWD (0) or JTAG (1).
func (f *Firmware) comFreq(sub uint8, c *[cmdLen]byte) {
	table, cur := v3SWDKHz[:], &f.swdKHz
	if c[2] == 1 {
		table, cur = v3JTAGKHz[:], &f.jtagKHz
	}
	if sub == dbgSetComFreq {
		*cur = pickKHz(table, le32(c[4:]))
		f.applyClock()
		r := f.reply(8)
		r[0] = statusOK
		binary.LittleEndian.PutUint32(r[4:], *cur)
		return
	}
	r := f.reply(52)
	r[0] = statusOK
	binary.LittleEndian.PutUint32(r[4:], *cur)
	binary.LittleEndian.PutUint32(r[8:], uint32(len(table)))
	for i, k := range table {
		binary.LittleEndian.PutUint32(r[12+4*i:], k)
	}
}

func le16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }
func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
