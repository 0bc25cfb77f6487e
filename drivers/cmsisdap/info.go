package cmsisdap

import (
	"fmt"
	"strings"
)

// DAP_Info IDs used here.
const (
	infoProduct      byte = 0x02
	infoSerial       byte = 0x03
	infoProtocol     byte = 0x04
	infoFirmware     byte = 0x09
	infoCapabilities byte = 0xF0
	infoPacketCount  byte = 0xFE
	infoPacketSize   byte = 0xFF
)

// Capability bits of DAP_Info 0xF0, first byte.
const (
	CapSWD    uint16 = 1 << 0
	CapJTAG   uint16 = 1 << 1
	CapAtomic uint16 = 1 << 4
)

func encodeInfo(id byte) []byte { return []byte{cmdInfo, id} }

// decodeInfo returns the info bytes of a DAP_Info reply ("00 len data…").
func decodeInfo(id byte, resp []byte) ([]byte, error) {
	if err := checkEcho(cmdInfo, resp, 2); err != nil {
		return nil, err
	}
	n := int(resp[1])
	if len(resp) < 2+n {
		return nil, fmt.Errorf("cmsisdap: DAP_Info 0x%02x: length byte says %d, reply has %d: %w", id, n, len(resp)-2, ErrBadReply)
	}
	return resp[2 : 2+n], nil
}

// infoString decodes a string item; the length counts a trailing NUL,
// which is dropped, and length 0 means "no information".
func infoString(b []byte) string {
	s := string(b)
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// infoPacketSizeValue decodes 0xFF: a SHORT.
func infoPacketSizeValue(b []byte) (int, error) {
	if len(b) != 2 {
		return 0, fmt.Errorf("cmsisdap: DAP_Info packet size: %d bytes, want 2: %w", len(b), ErrBadReply)
	}
	v := int(le16(b))
	if v < 64 {
		return 0, fmt.Errorf("cmsisdap: DAP_Info packet size %d, want at least 64: %w", v, ErrBadReply)
	}
	return v, nil
}

// infoPacketCountValue decodes 0xFE: a BYTE, at least 1.
func infoPacketCountValue(b []byte) (int, error) {
	if len(b) != 1 || b[0] == 0 {
		return 0, fmt.Errorf("cmsisdap: DAP_Info packet count % x: want one non-zero byte: %w", b, ErrBadReply)
	}
	return int(b[0]), nil
}

// infoCapabilitiesValue decodes 0xF0: one or two bytes of flags.
func infoCapabilitiesValue(b []byte) (uint16, error) {
	switch len(b) {
	case 1:
		return uint16(b[0]), nil
	case 2:
		return le16(b), nil
	}
	return 0, fmt.Errorf("cmsisdap: DAP_Info capabilities: %d bytes, want 1 or 2: %w", len(b), ErrBadReply)
}
