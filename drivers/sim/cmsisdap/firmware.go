package cmsisdap

import (
	"time"

	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// Version of the transport.
type Version int

const (
	V1 Version = 1 // HID, 64-byte reports
	V2 Version = 2 // vendor-class bulk
)

// Config describes one simulated probe.
type Config struct {
	Version Version
	Serial  string
	Clock   *clock.Clock
	SWD     hw.SWD  // nil: the probe has no SWD wire attached
	JTAG    hw.JTAG // nil: no JTAG
	// Reset drives the target's nRESET (true = asserted); nil when not wired.
	Reset func(asserted bool)
	// Voltage reads the target supply, for the nRESET/pin read-back; may be nil.
	Voltage func() float64
}

// Firmware is the simulated probe firmware. It implements hw.Firmware.
type Firmware struct {
	cfg        Config
	packetSize int
	packets    int

	port      uint8 // 0 none, 1 SWD, 2 JTAG
	idle      uint8
	waitRetry uint16
	matchRetr uint16
	matchMask uint32
	clockHz   uint32
	// JTAG chain as configured by DAP_JTAG_Configure, index 0 nearest TDO.
	irLens     []int
	jtagIndex  int
	curIR      uint32 // instruction last loaded, to skip redundant IR scans
	curIRIndex int
	// nRESET as driven by SWJ_Pins (true = asserted, low).
	resetLow bool

	queued  [][]byte // DAP_QueueCommands packets awaiting a plain one
	replies [][]byte
}

var _ hw.Firmware = (*Firmware)(nil)

// New returns a probe in its power-on state.
func New(cfg Config) *Firmware {
	f := &Firmware{cfg: cfg}
	if cfg.Version == V2 {
		f.packetSize, f.packets = 512, 8
	} else {
		f.packetSize, f.packets = 64, 4
	}
	f.Reset()
	return f
}

// Reset returns the firmware to its power-on defaults (reference
// firmware: idle 0, WAIT retry 100, match retry 0, mask 0; 1 MHz clock).
func (f *Firmware) Reset() {
	f.port, f.idle, f.waitRetry, f.matchRetr, f.matchMask = 0, 0, 100, 0, 0
	f.clockHz = 1_000_000
	f.irLens, f.jtagIndex = nil, 0
	f.forgetIR()
	f.queued, f.replies = nil, nil
	if f.resetLow && f.cfg.Reset != nil {
		f.cfg.Reset(false)
	}
	f.resetLow = false
	f.setClock(f.clockHz)
}

// Descriptor: v1 is a composite DAPLink-style device (mass storage and a
// CMSIS-DAP HID interface); v2 a high-speed probe with a vendor bulk
// interface named as an NXP MCU-Link names it.
func (f *Firmware) Descriptor() link.Device {
	if f.cfg.Version == V2 {
		// Product and interface string as probe-rs traces an MCU-Link
		// (probe-rs#2237: "Interface 0: MCU-LINK on-board (r0E7) CMSIS-DAP
		// V3.133"; drivers/sim/IDENTITY.md).
		return link.Device{VID: 0x1fc9, PID: 0x0143, Serial: f.cfg.Serial, Product: mcuLinkName,
			Manufacturer: "NXP Semiconductors", BCDDevice: 0x0300,
			Interfaces: []link.Interface{
				{Number: 0, Class: 0xFF, Name: mcuLinkName, Endpoints: []link.Endpoint{
					{Address: 0x01, Type: link.Bulk, MaxPacket: 512}, {Address: 0x82, Type: link.Bulk, MaxPacket: 512}}},
				{Number: 1, Class: 0x02, Name: "VCom Port"},
			}}
	}
	return link.Device{VID: 0x0d28, PID: 0x0204, Serial: f.cfg.Serial, Product: "DAPLink CMSIS-DAP",
		Manufacturer: "ARM", BCDDevice: 0x1000,
		Interfaces: []link.Interface{
			{Number: 0, Class: 0x08, Name: "USB_MSC"},
			{Number: 1, Class: 0x03, Name: "CMSIS-DAP v1", Endpoints: []link.Endpoint{
				{Address: 0x01, Type: link.Interrupt, MaxPacket: 64}, {Address: 0x81, Type: link.Interrupt, MaxPacket: 64}}},
		}}
}

// mcuLinkName is the MCU-Link's product and CMSIS-DAP interface string.
const mcuLinkName = "MCU-LINK on-board (r0E7) CMSIS-DAP V3.133"

// Interface is the CMSIS-DAP interface number.
func (f *Firmware) Interface() int {
	if f.cfg.Version == V2 {
		return 0
	}
	return 1
}

// Out runs one command packet.
func (f *Firmware) Out(p []byte) {
	if len(p) == 0 {
		return
	}
	if len(p) > f.packetSize {
		p = p[:f.packetSize] // the endpoint cannot carry more
	}
	if p[0] == cmdQueueCommands {
		f.queued = append(f.queued, append([]byte(nil), p...))
		return
	}
	for _, q := range f.queued {
		q[0] = cmdExecuteCommands // a queued packet runs and answers as ExecuteCommands
		f.reply(f.execute(q))
	}
	f.queued = nil
	f.reply(f.execute(p))
}

// In hands the host the next reply.
func (f *Firmware) In() ([]byte, bool) {
	if len(f.replies) == 0 {
		return nil, false
	}
	r := f.replies[0]
	f.replies = f.replies[1:]
	return r, true
}

// reply frames a response: HID reports are always full size.
func (f *Firmware) reply(r []byte) {
	if len(r) > f.packetSize {
		r = r[:f.packetSize]
	}
	if f.cfg.Version == V1 {
		full := make([]byte, f.packetSize)
		copy(full, r)
		r = full
	}
	f.replies = append(f.replies, r)
}

func (f *Firmware) setClock(hz uint32) {
	f.clockHz = hz
	if f.cfg.SWD != nil {
		f.cfg.SWD.SetClock(hz)
	}
	if f.cfg.JTAG != nil {
		f.cfg.JTAG.SetClock(hz)
	}
}

// delay charges a host-requested wait.
func (f *Firmware) delay(d time.Duration) {
	if f.cfg.Clock != nil {
		f.cfg.Clock.Advance(d)
	}
}

// forgetIR marks the loaded instruction unknown (after raw sequences).
func (f *Firmware) forgetIR() { f.curIR, f.curIRIndex = 0xFFFFFFFF, -1 }
