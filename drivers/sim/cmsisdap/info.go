package cmsisdap

import "encoding/binary"

// DAP_Info IDs.
const (
	infoVendor       = 0x01
	infoProduct      = 0x02
	infoSerial       = 0x03
	infoProtocol     = 0x04
	infoFirmware     = 0x09
	infoCapabilities = 0xF0
	infoTimerFreq    = 0xF1
	infoPacketCount  = 0xFE
	infoPacketSize   = 0xFF
)

// Capabilities: SWD, JTAG, atomic commands (7E/7F), test-domain timer.
const capabilities = 0x01 | 0x02 | 0x10 | 0x20

// timerHz is the timestamp clock: timestamps count microseconds.
const timerHz = 1_000_000

// info answers DAP_Info: len, then the value; strings count their NUL;
// unknown or unsupported IDs answer length 0.
func (f *Firmware) info(id uint8) []byte {
	str := func(s string) []byte {
		return append([]byte{byte(len(s) + 1)}, append([]byte(s), 0)...)
	}
	switch id {
	case infoVendor:
		return str(f.Descriptor().Manufacturer)
	case infoProduct:
		return str(f.Descriptor().Product)
	case infoSerial:
		return str(f.cfg.Serial)
	case infoProtocol:
		return str("2.1.0")
	case infoFirmware:
		if f.cfg.Version == V2 {
			return str("3.133") // the release its product string names
		}
		return str("0257")
	case infoCapabilities:
		return []byte{1, capabilities}
	case infoTimerFreq:
		return binary.LittleEndian.AppendUint32([]byte{4}, timerHz)
	case infoPacketCount:
		return []byte{1, byte(f.packets)}
	case infoPacketSize:
		return binary.LittleEndian.AppendUint16([]byte{2}, uint16(f.packetSize))
	}
	return []byte{0}
}
