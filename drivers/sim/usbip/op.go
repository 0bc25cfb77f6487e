package usbip

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Version is the protocol version every OpHeader carries (1.1.1).
const Version = 0x0111

// Operation codes of the connection phase (usbip_network.h).
const (
	OpReqDevList uint16 = 0x8005
	OpRepDevList uint16 = 0x0005
	OpReqImport  uint16 = 0x8003
	OpRepImport  uint16 = 0x0003
)

// Import statuses in OpHeader.Status (usbip_network.h ST_*).
const (
	StOK      uint32 = 0 // request completed successfully
	StNA      uint32 = 1 // request failed
	StDevBusy uint32 = 2 // device busy (already exported to someone)
	StDevErr  uint32 = 3 // device in error state
	StNoDev   uint32 = 4 // device not found
	StError   uint32 = 5 // unexpected response
)

// OpHeaderSize is the length of an OpHeader on the wire.
const OpHeaderSize = 8

// ErrBadVersion is wrapped when a peer speaks another protocol version.
var ErrBadVersion = errors.New("usbip: unsupported protocol version")

// OpHeader starts every connection-phase message (struct op_common).
type OpHeader struct {
	Version uint16
	Code    uint16
	Status  uint32
}

// Encode returns the 8 header bytes.
func (h OpHeader) Encode() []byte {
	b := make([]byte, OpHeaderSize)
	binary.BigEndian.PutUint16(b[0:], h.Version)
	binary.BigEndian.PutUint16(b[2:], h.Code)
	binary.BigEndian.PutUint32(b[4:], h.Status)
	return b
}

// DecodeOpHeader parses 8 header bytes; it checks the version.
func DecodeOpHeader(b []byte) (OpHeader, error) {
	if len(b) < OpHeaderSize {
		return OpHeader{}, fmt.Errorf("usbip: op header: %d bytes, want %d", len(b), OpHeaderSize)
	}
	h := OpHeader{
		Version: binary.BigEndian.Uint16(b[0:]),
		Code:    binary.BigEndian.Uint16(b[2:]),
		Status:  binary.BigEndian.Uint32(b[4:]),
	}
	if h.Version != Version {
		return h, fmt.Errorf("%w 0x%04x (code 0x%04x), want 0x%04x", ErrBadVersion, h.Version, h.Code, Version)
	}
	return h, nil
}

// ReadOpHeader reads and parses one OpHeader.
func ReadOpHeader(r io.Reader) (OpHeader, error) {
	var b [OpHeaderSize]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return OpHeader{}, fmt.Errorf("usbip: read op header: %w", err)
	}
	return DecodeOpHeader(b[:])
}

// putString writes s NUL-padded into a fixed field; it reports whether s
// fits with its terminating NUL.
func putString(dst []byte, s string) error {
	if len(s) >= len(dst) {
		return fmt.Errorf("usbip: %q does not fit a %d-byte field", s, len(dst))
	}
	copy(dst, s)
	return nil
}

// getString reads a NUL-terminated string from a fixed field.
func getString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
