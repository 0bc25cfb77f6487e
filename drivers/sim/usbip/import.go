package usbip

import (
	"fmt"
	"io"
)

// EncodeReqImport is the whole OP_REQ_IMPORT message for busid.
func EncodeReqImport(busid string) ([]byte, error) {
	b := OpHeader{Version: Version, Code: OpReqImport}.Encode()
	f := make([]byte, busIDSize)
	if err := putString(f, busid); err != nil {
		return nil, fmt.Errorf("%w (busid)", err)
	}
	return append(b, f...), nil
}

// DecodeReqImport reads the busid that follows an OP_REQ_IMPORT header.
func DecodeReqImport(r io.Reader) (string, error) {
	f := make([]byte, busIDSize)
	if _, err := io.ReadFull(r, f); err != nil {
		return "", fmt.Errorf("usbip: import request: read busid: %w", err)
	}
	return getString(f), nil
}

// EncodeRepImport is the whole OP_REP_IMPORT message. On a status other
// than StOK the reply is the header alone, as usbipd sends it.
func EncodeRepImport(status uint32, d Device) ([]byte, error) {
	b := OpHeader{Version: Version, Code: OpRepImport, Status: status}.Encode()
	if status != StOK {
		return b, nil
	}
	d.NumInterfaces = max(d.NumInterfaces, uint8(min(len(d.Interfaces), 255)))
	db, err := d.encode()
	if err != nil {
		return nil, err
	}
	return append(b, db...), nil
}

// DecodeRepImport reads the device that follows an OP_REP_IMPORT header
// whose status is StOK.
func DecodeRepImport(r io.Reader) (Device, error) {
	b := make([]byte, deviceSize)
	if _, err := io.ReadFull(r, b); err != nil {
		return Device{}, fmt.Errorf("usbip: import reply: read device: %w", err)
	}
	return decodeDevice(b), nil
}
