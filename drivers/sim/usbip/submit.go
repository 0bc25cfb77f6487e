package usbip

import (
	"encoding/binary"
	"fmt"
)

// URB-phase commands (usbip_common.h USBIP_CMD_* / USBIP_RET_*).
const (
	CmdSubmitCode uint32 = 1
	CmdUnlinkCode uint32 = 2
	RetSubmitCode uint32 = 3
	RetUnlinkCode uint32 = 4
)

// Directions in Basic.Direction.
const (
	DirOut uint32 = 0
	DirIn  uint32 = 1
)

// HeaderSize is the fixed part of every URB-phase message: the 20-byte
// usbip_header_basic and 28 command-specific bytes.
const HeaderSize = 48

// NoISO is number_of_packets for a transfer that is not isochronous, as
// the protocol document gives it (the kernel's vhci sends 0).
const NoISO = 0xFFFFFFFF

// Negative errnos of RetSubmit.Status and RetUnlink.Status (Linux).
const (
	ErrnoENOENT     int32 = -2
	ErrnoEIO        int32 = -5
	ErrnoENODEV     int32 = -19
	ErrnoEINVAL     int32 = -22
	ErrnoEPIPE      int32 = -32 // endpoint stalled
	ErrnoEPROTO     int32 = -71 // bit-stuff or unknown USB error
	ErrnoEOVERFLOW  int32 = -75 // babble: the device sent more than asked
	ErrnoECONNRESET int32 = -104
	ErrnoESHUTDOWN  int32 = -108
	ErrnoETIMEDOUT  int32 = -110
	ErrnoEREMOTEIO  int32 = -121 // short packet with URB_SHORT_NOT_OK
)

// Transfer flags that matter to a device model (URB.rst, usbip.h).
const (
	FlagShortNotOK uint32 = 0x0001
	FlagZeroPacket uint32 = 0x0040
	FlagDirIn      uint32 = 0x0200
)

// MaxTransfer bounds transfer_buffer_length of a decoded message: far
// above any probe transfer, low enough that a corrupt length cannot make
// a peer allocate without limit.
const MaxTransfer = 1 << 20

// Basic is usbip_header_basic.
type Basic struct {
	Command   uint32
	Seqnum    uint32
	DevID     uint32
	Direction uint32
	EP        uint32 // endpoint number 0..15, without the direction bit
}

func (h Basic) put(b []byte) {
	binary.BigEndian.PutUint32(b[0:], h.Command)
	binary.BigEndian.PutUint32(b[4:], h.Seqnum)
	binary.BigEndian.PutUint32(b[8:], h.DevID)
	binary.BigEndian.PutUint32(b[12:], h.Direction)
	binary.BigEndian.PutUint32(b[16:], h.EP)
}

func getBasic(b []byte) Basic {
	return Basic{
		Command: binary.BigEndian.Uint32(b[0:]), Seqnum: binary.BigEndian.Uint32(b[4:]),
		DevID: binary.BigEndian.Uint32(b[8:]), Direction: binary.BigEndian.Uint32(b[12:]),
		EP: binary.BigEndian.Uint32(b[16:]),
	}
}

// Setup is a USB control request (USB 2.0 §9.3); wValue, wIndex and
// wLength are little endian inside the 8 bytes, as on the bus.
type Setup struct {
	RequestType uint8
	Request     uint8
	Value       uint16
	Index       uint16
	Length      uint16
}

// ParseSetup reads the 8 setup bytes.
func ParseSetup(b [8]byte) Setup {
	return Setup{RequestType: b[0], Request: b[1],
		Value: binary.LittleEndian.Uint16(b[2:]), Index: binary.LittleEndian.Uint16(b[4:]),
		Length: binary.LittleEndian.Uint16(b[6:])}
}

// Bytes returns the 8 setup bytes.
func (s Setup) Bytes() [8]byte {
	var b [8]byte
	b[0], b[1] = s.RequestType, s.Request
	binary.LittleEndian.PutUint16(b[2:], s.Value)
	binary.LittleEndian.PutUint16(b[4:], s.Index)
	binary.LittleEndian.PutUint16(b[6:], s.Length)
	return b
}

// IsIn reports whether the data stage goes from device to host.
func (s Setup) IsIn() bool { return s.RequestType&0x80 != 0 }

func (s Setup) String() string {
	return fmt.Sprintf("bmRequestType %02x bRequest %02x wValue %04x wIndex %04x wLength %d",
		s.RequestType, s.Request, s.Value, s.Index, s.Length)
}

// CmdSubmit is USBIP_CMD_SUBMIT. Data holds the OUT payload
// (TransferBufferLength bytes); it is empty for IN transfers.
type CmdSubmit struct {
	Basic
	TransferFlags        uint32
	TransferBufferLength uint32
	StartFrame           uint32
	NumberOfPackets      uint32
	Interval             uint32
	Setup                [8]byte
	Data                 []byte
}

// Encode returns the whole message; Basic.Command is set to CmdSubmitCode.
func (c CmdSubmit) Encode() []byte {
	b := make([]byte, HeaderSize, HeaderSize+len(c.Data))
	c.Command = CmdSubmitCode
	c.Basic.put(b)
	binary.BigEndian.PutUint32(b[20:], c.TransferFlags)
	binary.BigEndian.PutUint32(b[24:], c.TransferBufferLength)
	binary.BigEndian.PutUint32(b[28:], c.StartFrame)
	binary.BigEndian.PutUint32(b[32:], c.NumberOfPackets)
	binary.BigEndian.PutUint32(b[36:], c.Interval)
	copy(b[40:], c.Setup[:])
	return append(b, c.Data...)
}

// ISO reports whether the URB is isochronous (a number of packets other
// than 0 or NoISO).
func (c CmdSubmit) ISO() bool { return c.NumberOfPackets != 0 && c.NumberOfPackets != NoISO }

// RetSubmit is USBIP_RET_SUBMIT. Data holds the IN payload
// (ActualLength bytes); it is empty for OUT transfers. Status is 0 or a
// negative errno.
type RetSubmit struct {
	Basic
	Status          int32
	ActualLength    uint32
	StartFrame      uint32
	NumberOfPackets uint32
	ErrorCount      uint32
	Data            []byte
}

// Encode returns the whole message; Basic.Command is set to RetSubmitCode.
func (r RetSubmit) Encode() []byte {
	b := make([]byte, HeaderSize, HeaderSize+len(r.Data))
	r.Command = RetSubmitCode
	r.Basic.put(b)
	binary.BigEndian.PutUint32(b[20:], uint32(r.Status))
	binary.BigEndian.PutUint32(b[24:], r.ActualLength)
	binary.BigEndian.PutUint32(b[28:], r.StartFrame)
	binary.BigEndian.PutUint32(b[32:], r.NumberOfPackets)
	binary.BigEndian.PutUint32(b[36:], r.ErrorCount)
	return append(b, r.Data...)
}
