package stlink

import (
	"encoding/binary"

	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// Config describes one simulated ST-Link.
type Config struct {
	Model  Model
	Serial string // USB iSerial; see BinarySerial for V2Old
	Clock  *clock.Clock
	SWD    hw.SWD // nil: nothing wired to the SWD pins
	// Reset drives the target's nRESET (true = asserted); nil when not wired.
	Reset func(asserted bool)
	// Voltage reads the target supply in volts (T_VCC); nil reads 0.
	Voltage func() float64
}

// Top-level commands (first byte of the 16-byte command block).
const (
	cmdGetVersion    = 0xF1
	cmdDebug         = 0xF2
	cmdDFU           = 0xF3
	cmdGetMode       = 0xF5
	cmdTargetVoltage = 0xF7
	cmdGetVersionEx  = 0xFB

	dfuExit = 0x07
)

// Modes GET_CURRENT_MODE reports.
const (
	modeDFU   = 0x00
	modeMass  = 0x01
	modeDebug = 0x02
)

const cmdLen = 16

// Firmware is the simulated ST-Link firmware. It implements hw.Firmware.
type Firmware struct {
	cfg Config
	ver version

	mode    uint8
	replies [][]byte // queued IN transfers; the host takes replies[head]
	head    int

	// Write-memory data phase in progress: the command and the bytes so far.
	wr        memCmd
	wrLen     int // bytes announced; 0 when no data phase is pending
	wrGot     int
	wrRefused bool // the data is swallowed, not written
	wrMisc    bool // the data phase is an RW_MISC batch (misc.go)
	wrBuf     []byte

	dp dpState

	swdDivisor uint16 // V2: SWD_SET_FREQ divisor
	jtagDiv    uint16 // V2: JTAG_SET_FREQ divisor
	swdKHz     uint32 // V3: SET_COM_FREQ, SWD
	jtagKHz    uint32 // V3: SET_COM_FREQ, JTAG

	nrstLow bool
	rw      rwStatus

	misc      []uint32 // the last RW_MISC batch's results then statuses; nil: none
	miscItems int      // items of the batch whose data phase is pending
	miscBad   int      // items of a batch too big to run
}

var _ hw.Firmware = (*Firmware)(nil)

// New returns a probe in its power-on state.
func New(cfg Config) *Firmware {
	f := &Firmware{cfg: cfg, ver: cfg.Model.version(), wrBuf: make([]byte, 0, maxRW16_32)}
	f.Reset()
	return f
}

// Reset is a replug: mass-storage mode (what GET_CURRENT_MODE reports on
// plug-in in st-util and OpenOCD logs), default clocks, nRESET released.
func (f *Firmware) Reset() {
	f.mode = modeMass
	clear(f.replies) // replies not yet read are lost with the replug
	f.replies, f.head = f.replies[:0], 0
	f.wrLen, f.wrGot, f.wrBuf, f.wrMisc = 0, 0, f.wrBuf[:0], false
	f.misc, f.miscBad = nil, 0
	f.dp = dpState{}
	f.swdDivisor, f.jtagDiv = 1, 32 // 1.8 MHz and 1.125 MHz, the firmware defaults
	f.swdKHz, f.jtagKHz = v3DefaultKHz, v3JTAGKHz[0]
	f.rw = rwStatus{status: statusOK}
	if f.nrstLow && f.cfg.Reset != nil {
		f.cfg.Reset(false)
	}
	f.nrstLow = false
	f.applyClock()
}

// Descriptor is the USB device per model.
func (f *Firmware) Descriptor() link.Device { return f.cfg.Model.descriptor(f.cfg.Serial) }

// Interface is the debug interface the host claims.
func (f *Firmware) Interface() int { return 0 }

// In hands the host the next reply; a host reading when the firmware has
// nothing to say gets nothing, and its transfer times out.
func (f *Firmware) In() ([]byte, bool) {
	if f.head == len(f.replies) {
		return nil, false
	}
	r := f.replies[f.head]
	f.replies[f.head] = nil
	f.head++
	if f.head == len(f.replies) {
		f.replies, f.head = f.replies[:0], 0 // keep the queue's storage
	}
	return r, true
}

// Out takes one OUT transfer: the data phase of a pending write-memory
// command, or else a command block. Data phases are taken whole or in
// pieces until they reach the announced length; the firmware cannot tell
// a data packet from a command, so it never tries.
func (f *Firmware) Out(p []byte) {
	if f.wrLen > 0 {
		need := f.wrLen - f.wrGot
		if len(p) > need {
			p = p[:need] // the rest of the transfer belongs to nobody
		}
		if !f.wrRefused {
			f.wrBuf = append(f.wrBuf, p...)
		}
		f.wrGot += len(p)
		if f.wrGot == f.wrLen {
			f.wrLen, f.wrGot = 0, 0
			switch {
			case f.wrRefused:
			case f.wrMisc:
				f.miscRun(f.wrBuf)
			default:
				f.rw = f.memWrite(f.wr, f.wrBuf)
			}
			f.wrMisc = false
			f.wrBuf = f.wrBuf[:0]
		}
		return
	}
	if len(p) == 0 {
		return
	}
	var blk [cmdLen]byte
	copy(blk[:], p) // hosts pad to 16 bytes; a short block reads as zero padded
	f.command(&blk)
}

func (f *Firmware) command(c *[cmdLen]byte) {
	switch c[0] {
	case cmdGetVersion:
		r := f.reply(6)
		binary.BigEndian.PutUint16(r[0:], f.ver.versionWord())
		binary.LittleEndian.PutUint16(r[2:], stVID)
		binary.LittleEndian.PutUint16(r[4:], f.ver.pid)
	case cmdGetVersionEx:
		if !f.ver.hasVersionEx() {
			return // unknown to V2 firmware: no answer (see doc.go)
		}
		r := f.reply(12)
		r[0], r[1], r[2], r[3], r[4] = f.ver.hw, f.ver.swim, f.ver.jtag, f.ver.low, f.ver.bridge
		binary.LittleEndian.PutUint16(r[8:], stVID)
		binary.LittleEndian.PutUint16(r[10:], f.ver.pid)
	case cmdGetMode:
		r := f.reply(2)
		r[0] = f.mode
	case cmdTargetVoltage:
		r := f.reply(8)
		a0, a1 := voltageReadings(f.voltage())
		binary.LittleEndian.PutUint32(r[0:], a0)
		binary.LittleEndian.PutUint32(r[4:], a1)
	case cmdDFU:
		if c[1] == dfuExit && f.mode == modeDFU {
			f.mode = modeMass
		}
	case cmdDebug:
		f.debug(c)
	}
	// Anything else (SWIM F4 on probes without it, unknown bytes) gets no
	// answer.
}

// reply queues an IN transfer of n bytes and returns it to be filled.
func (f *Firmware) reply(n int) []byte {
	r := make([]byte, n)
	f.replies = append(f.replies, r)
	return r
}

// status queues a 2-byte status reply (status, 0): pyOCD reads it as a
// little-endian u16.
func (f *Firmware) status(s uint8) { f.reply(2)[0] = s }

func (f *Firmware) voltage() float64 {
	if f.cfg.Voltage == nil {
		return 0
	}
	return f.cfg.Voltage()
}

// adcRef is the firmware's reading of its 1.2 V reference (a0); the host
// computes V = 2·a1·1.2/a0.
const adcRef = 1552

func voltageReadings(v float64) (a0, a1 uint32) {
	if v <= 0 {
		return adcRef, 0
	}
	return adcRef, uint32(v*adcRef/2.4 + 0.5)
}
