package stlink

import "github.com/flashstation/flashstation/drivers/link"

// Model is a simulated ST-Link with its firmware.
type Model int

const (
	// V2 is an ST-LINK/V2 (PID 3748) on firmware V2J37S7.
	V2 Model = iota
	// V2Old is an ST-LINK/V2 on firmware V2J17S4, whose USB serial is 12
	// raw bytes instead of 24 hex characters.
	V2Old
	// V21 is an ST-LINK/V2-1 (PID 374b, Nucleo/Discovery on-board) on
	// firmware V2J40M27.
	V21
	// V3 is an STLINK-V3SET (PID 374f) on firmware V3J17M10B6S1, as
	// OpenOCD logs one ("STLINK V3J17M10B6S1 (API v3) VID:PID 0483:374F";
	// drivers/sim/IDENTITY.md).
	V3
)

// String names the model as the --sim spec does.
func (m Model) String() string {
	switch m {
	case V2:
		return "stlink-v2"
	case V2Old:
		return "stlink-v2-old"
	case V21:
		return "stlink-v21"
	case V3:
		return "stlink-v3"
	}
	return "stlink-unknown"
}

// version is what the firmware reports about itself.
type version struct {
	hw   uint8 // 2 or 3
	jtag uint8 // J: the debug (JTAG/SWD) firmware release
	low  uint8 // S (SWIM) on V2, M (mass storage) on V2-1 and V3
	// swim and bridge are GET_VERSION_EX bytes 1 and 4 on V3.
	swim, bridge uint8
	pid          uint16
}

func (m Model) version() version {
	switch m {
	case V2Old:
		return version{hw: 2, jtag: 17, low: 4, pid: 0x3748}
	case V21:
		return version{hw: 2, jtag: 40, low: 27, pid: 0x374b}
	case V3:
		return version{hw: 3, jtag: 17, low: 10, swim: 1, bridge: 6, pid: 0x374f}
	}
	return version{hw: 2, jtag: 37, low: 7, pid: 0x3748}
}

// Feature gates, from OpenOCD stlink_usb.c stlink_usb_version() (the
// STLINK_F_* flags) and stlink-org usb.c; V3 has every V2 feature.
func (v version) has(minV2J, minV3J uint8) bool {
	if v.hw >= 3 {
		return v.jtag >= minV3J
	}
	return v.jtag >= minV2J
}

func (v version) hasRWStatus2() bool { return v.has(15, 0) }
func (v version) hasSWDFreq() bool   { return v.hw == 2 && v.jtag >= 22 }
func (v version) hasJTAGFreq() bool  { return v.hw == 2 && v.jtag >= 24 }
func (v version) hasDAPReg() bool    { return v.has(24, 0) }
func (v version) hasMem16() bool     { return v.has(26, 0) }
func (v version) hasAPInit() bool    { return v.has(28, 0) }
func (v version) hasCSW() bool       { return v.has(32, 2) }
func (v version) hasComFreq() bool   { return v.hw >= 3 }
func (v version) hasVersionEx() bool { return v.hw >= 3 }

// maxRW8 is the 8-bit transfer limit: one full-speed packet on V2, 512
// bytes on V3 from J6 (OpenOCD STLINK_MAX_RW8 / STLINKV3_MAX_RW8).
func (v version) maxRW8() int {
	if v.hw >= 3 && v.jtag >= 6 {
		return 512
	}
	return 64
}

// maxRW16_32 is the firmware's internal buffer (OpenOCD STLINK_DATA_SIZE).
const maxRW16_32 = 6144

// versionWord is GET_VERSION bytes 0..1 (big endian): major in 15:12, J in
// 11:6, S or M in 5:0. STLINK-V3 reports major 3 with the other fields 0,
// which tells the host to ask GET_VERSION_EX.
func (v version) versionWord() uint16 {
	if v.hw >= 3 {
		return uint16(v.hw) << 12
	}
	return uint16(v.hw)<<12 | uint16(v.jtag&0x3F)<<6 | uint16(v.low&0x3F)
}

const stVID = 0x0483

// descriptor is the USB device as enumeration shows it (endpoints per
// OpenOCD stlink_usb.c: V2 OUT 0x02 / IN 0x81 / trace 0x83; V2-1 and V3
// OUT 0x01 / IN 0x81 / trace 0x82). V2 and V2-1 are full-speed devices
// (64-byte bulk packets), V3 high speed (512).
func (m Model) descriptor(serial string) link.Device {
	v := m.version()
	out, trace, mps := uint8(0x01), uint8(0x82), 64
	product := "STM32 STLink"
	switch m {
	case V2, V2Old:
		out, trace = 0x02, 0x83
	case V3:
		mps, product = 512, "STLINK-V3"
	}
	return link.Device{VID: stVID, PID: v.pid, Serial: serial, Product: product,
		Manufacturer: "STMicroelectronics", BCDDevice: 0x0100,
		Interfaces: []link.Interface{{Number: 0, Class: 0xFF, SubClass: 0xFF, Protocol: 0xFF,
			Endpoints: []link.Endpoint{
				{Address: out, Type: link.Bulk, MaxPacket: mps},
				{Address: 0x81, Type: link.Bulk, MaxPacket: mps},
				{Address: trace, Type: link.Bulk, MaxPacket: mps},
			}}}}
}

// BinarySerial is the USB serial of an old V2 firmware derived from seed:
// 12 runes below 0x100, one per UTF-16 code unit of the 26-byte string
// descriptor, each the low byte of a unit as OpenOCD's
// stlink_usb_get_alternate_serial reads it. The bytes play the STM32
// unique ID the firmware copies raw; the first is always above 0x7F so the
// serial can never pass for printable text.
func BinarySerial(seed uint64) string {
	var r [12]rune
	x := seed
	for i := range r {
		if i%8 == 0 {
			x = splitmix(x)
		}
		r[i] = rune(byte(x >> (8 * (i % 8))))
	}
	r[0] |= 0x80
	return string(r[:])
}

func splitmix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	z := x
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}
