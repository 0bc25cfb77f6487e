package usbip

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrMalformed is wrapped by every error about a message that arrived
// whole but makes no sense (unknown command, impossible lengths).
var ErrMalformed = errors.New("usbip: malformed message")

// ReadCommand reads one client-to-server URB message: *CmdSubmit (with
// its OUT payload) or *CmdUnlink. A truncated message gives an error
// wrapping io.ErrUnexpectedEOF (io.EOF when the stream ended cleanly
// between messages).
func ReadCommand(r io.Reader) (any, error) {
	b := make([]byte, HeaderSize)
	if err := readHeader(r, b); err != nil {
		return nil, err
	}
	return decodeCommand(r, b)
}

func readHeader(r io.Reader, b []byte) error {
	n, err := io.ReadFull(r, b)
	if err == io.EOF {
		return err
	}
	if err != nil {
		return fmt.Errorf("usbip: header truncated after %d of %d bytes: %w", n, HeaderSize, err)
	}
	return nil
}

func decodeCommand(r io.Reader, b []byte) (any, error) {
	h := getBasic(b)
	switch h.Command {
	case CmdSubmitCode:
		c := &CmdSubmit{Basic: h,
			TransferFlags:        binary.BigEndian.Uint32(b[20:]),
			TransferBufferLength: binary.BigEndian.Uint32(b[24:]),
			StartFrame:           binary.BigEndian.Uint32(b[28:]),
			NumberOfPackets:      binary.BigEndian.Uint32(b[32:]),
			Interval:             binary.BigEndian.Uint32(b[36:]),
		}
		copy(c.Setup[:], b[40:48])
		if err := checkBasic(h); err != nil {
			return nil, err
		}
		if c.TransferBufferLength > MaxTransfer {
			return nil, fmt.Errorf("%w: CMD_SUBMIT seqnum %d: transfer_buffer_length %d (at most %d)", ErrMalformed, h.Seqnum, c.TransferBufferLength, MaxTransfer)
		}
		if c.ISO() {
			return nil, fmt.Errorf("%w: CMD_SUBMIT seqnum %d ep %d: isochronous (%d packets) is not supported", ErrMalformed, h.Seqnum, h.EP, c.NumberOfPackets)
		}
		if h.Direction == DirOut && c.TransferBufferLength > 0 {
			c.Data = make([]byte, c.TransferBufferLength)
			if n, err := io.ReadFull(r, c.Data); err != nil {
				return nil, fmt.Errorf("usbip: CMD_SUBMIT seqnum %d: payload truncated after %d of %d bytes: %w", h.Seqnum, n, len(c.Data), noEOF(err))
			}
		}
		return c, nil
	case CmdUnlinkCode:
		if err := checkBasic(h); err != nil {
			return nil, err
		}
		return &CmdUnlink{Basic: h, UnlinkSeqnum: binary.BigEndian.Uint32(b[20:])}, nil
	}
	return nil, fmt.Errorf("%w: command 0x%08x (seqnum %d), want CMD_SUBMIT or CMD_UNLINK", ErrMalformed, h.Command, h.Seqnum)
}

func checkBasic(h Basic) error {
	if h.Direction > DirIn {
		return fmt.Errorf("%w: seqnum %d: direction %d, want 0 (out) or 1 (in)", ErrMalformed, h.Seqnum, h.Direction)
	}
	if h.EP > 15 {
		return fmt.Errorf("%w: seqnum %d: endpoint %d, want 0..15", ErrMalformed, h.Seqnum, h.EP)
	}
	return nil
}

// ReadReturn reads one server-to-client URB message: *RetSubmit (with its
// IN payload; dir says whether the URB it answers was an IN transfer, as
// the client knows from the seqnum) or *RetUnlink. isIn is called with
// the seqnum of a RET_SUBMIT.
func ReadReturn(r io.Reader, isIn func(seqnum uint32) bool) (any, error) {
	b := make([]byte, HeaderSize)
	if err := readHeader(r, b); err != nil {
		return nil, err
	}
	h := getBasic(b)
	switch h.Command {
	case RetSubmitCode:
		rs := &RetSubmit{Basic: h,
			Status:          int32(binary.BigEndian.Uint32(b[20:])),
			ActualLength:    binary.BigEndian.Uint32(b[24:]),
			StartFrame:      binary.BigEndian.Uint32(b[28:]),
			NumberOfPackets: binary.BigEndian.Uint32(b[32:]),
			ErrorCount:      binary.BigEndian.Uint32(b[36:]),
		}
		if rs.ActualLength > MaxTransfer {
			return nil, fmt.Errorf("%w: RET_SUBMIT seqnum %d: actual_length %d (at most %d)", ErrMalformed, h.Seqnum, rs.ActualLength, MaxTransfer)
		}
		if isIn != nil && isIn(h.Seqnum) && rs.ActualLength > 0 {
			rs.Data = make([]byte, rs.ActualLength)
			if n, err := io.ReadFull(r, rs.Data); err != nil {
				return nil, fmt.Errorf("usbip: RET_SUBMIT seqnum %d: payload truncated after %d of %d bytes: %w", h.Seqnum, n, len(rs.Data), noEOF(err))
			}
		}
		return rs, nil
	case RetUnlinkCode:
		return &RetUnlink{Basic: h, Status: int32(binary.BigEndian.Uint32(b[20:]))}, nil
	}
	return nil, fmt.Errorf("%w: command 0x%08x (seqnum %d), want RET_SUBMIT or RET_UNLINK", ErrMalformed, h.Command, h.Seqnum)
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
