package usbip

import "encoding/binary"

// CmdUnlink is USBIP_CMD_UNLINK: cancel the submitted URB UnlinkSeqnum.
type CmdUnlink struct {
	Basic
	UnlinkSeqnum uint32
}

// Encode returns the whole message; Basic.Command is set to CmdUnlinkCode.
func (c CmdUnlink) Encode() []byte {
	b := make([]byte, HeaderSize)
	c.Command = CmdUnlinkCode
	c.Basic.put(b)
	binary.BigEndian.PutUint32(b[20:], c.UnlinkSeqnum)
	return b
}

// RetUnlink is USBIP_RET_UNLINK. Status is ErrnoECONNRESET when the URB
// was still pending and is now cancelled (it gets no RetSubmit), 0 when it
// had already completed.
type RetUnlink struct {
	Basic
	Status int32
}

// Encode returns the whole message; Basic.Command is set to RetUnlinkCode.
func (r RetUnlink) Encode() []byte {
	b := make([]byte, HeaderSize)
	r.Command = RetUnlinkCode
	r.Basic.put(b)
	binary.BigEndian.PutUint32(b[20:], uint32(r.Status))
	return b
}
