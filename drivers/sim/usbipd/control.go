package usbipd

import (
	"context"
	"errors"
	"fmt"

	"github.com/flashstation/flashstation/drivers/sim/usbip"
)

// Standard requests (USB 2.0 Table 9-4) and HID class requests (HID 1.11
// §7.2).
const (
	reqGetStatus        = 0x00
	reqClearFeature     = 0x01
	reqSetFeature       = 0x03
	reqSetAddress       = 0x05
	reqGetDescriptor    = 0x06
	reqSetDescriptor    = 0x07
	reqGetConfiguration = 0x08
	reqSetConfiguration = 0x09
	reqGetInterface     = 0x0A
	reqSetInterface     = 0x0B

	hidGetReport = 0x01
	hidGetIdle   = 0x02
	hidSetReport = 0x09
	hidSetIdle   = 0x0A

	featureEndpointHalt = 0
)

// errStall is a request the device does not support: it answers with a
// STALL handshake (USB 2.0 §9.2.7), which the host sees as -EPIPE.
var errStall = errors.New("stall")

// control answers one request on ep0. out is the data stage of a
// host-to-device request. It returns the data stage of a device-to-host
// request (the caller trims it to wLength).
func (s *session) control(ctx context.Context, st usbip.Setup, out []byte) ([]byte, error) {
	kind := st.RequestType & 0x60
	recipient := st.RequestType & 0x1F
	switch kind {
	case 0x00:
		return s.standard(st, recipient)
	case 0x20:
		if recipient == 1 && int(st.Index&0xFF) == s.dev.hidInterface() {
			return s.hidRequest(ctx, st, out)
		}
	}
	return nil, errStall // vendor requests and class requests to other interfaces
}

func (s *session) standard(st usbip.Setup, recipient uint8) ([]byte, error) {
	u := s.dev
	in := st.IsIn()
	switch {
	case st.Request == reqGetDescriptor && in && recipient == 0:
		return u.descriptor(st.Value>>8, uint8(st.Value), st.Index)
	case st.Request == reqGetDescriptor && in && recipient == 1:
		// HID class descriptors are asked of the interface (HID 1.11 §7.1.1).
		if int(st.Index) != u.hidInterface() {
			return nil, errStall
		}
		switch st.Value >> 8 {
		case descReport:
			return hidReport, nil
		case descHID:
			c := u.config
			for i := 0; i+1 < len(c); i += int(c[i]) {
				if c[i+1] == descHID {
					return c[i : i+int(c[i])], nil
				}
				if c[i] == 0 {
					break
				}
			}
		}
		return nil, errStall
	case st.Request == reqGetStatus && in:
		switch recipient {
		case 0:
			return []byte{0, 0}, nil // bus powered, no remote wakeup
		case 1:
			if !u.hasInterface(int(st.Index)) {
				return nil, errStall
			}
			return []byte{0, 0}, nil
		case 2:
			ep, ok := s.endpointFor(uint8(st.Index))
			if !ok {
				return nil, errStall
			}
			if s.halted[ep] {
				return []byte{1, 0}, nil
			}
			return []byte{0, 0}, nil
		}
	case (st.Request == reqClearFeature || st.Request == reqSetFeature) && !in:
		if recipient != 2 || st.Value != featureEndpointHalt {
			return nil, errStall // no remote wakeup, no test modes
		}
		ep, ok := s.endpointFor(uint8(st.Index))
		if !ok {
			return nil, errStall
		}
		s.halted[ep] = st.Request == reqSetFeature
		return nil, nil
	case st.Request == reqSetAddress && !in && recipient == 0:
		return nil, nil
	case st.Request == reqGetConfiguration && in && recipient == 0:
		return []byte{s.configuration}, nil
	case st.Request == reqSetConfiguration && !in && recipient == 0:
		if st.Value > 1 {
			return nil, errStall
		}
		s.configuration = uint8(st.Value)
		clear(s.halted)
		return nil, nil
	case st.Request == reqGetInterface && in && recipient == 1:
		if !u.hasInterface(int(st.Index)) || s.configuration == 0 {
			return nil, errStall
		}
		return []byte{0}, nil
	case st.Request == reqSetInterface && !in && recipient == 1:
		// One alternate setting per interface, as on every probe here.
		if !u.hasInterface(int(st.Index)) || st.Value != 0 || s.configuration == 0 {
			return nil, errStall
		}
		return nil, nil
	}
	return nil, errStall
}

// descriptor answers GET_DESCRIPTOR(type, index) to the device.
func (u *usbDevice) descriptor(typ uint16, index uint8, lang uint16) ([]byte, error) {
	switch typ {
	case descDevice:
		return u.device, nil
	case descConfig:
		if index != 0 {
			return nil, errStall
		}
		return u.config, nil
	case descString:
		if int(index) >= len(u.strings) || (index != 0 && lang != 0x0409 && lang != 0) {
			return nil, errStall
		}
		return u.strings[index], nil
	case descQualifier:
		if !u.highSpeed {
			return nil, errStall // full-speed-only devices stall it (USB 2.0 §9.6.2)
		}
		return u.qualifier(), nil
	}
	return nil, errStall // BOS and the rest: USB 2.0 devices (bcdUSB 2.00) have none
}

// hidRequest answers the HID class requests of the CMSIS-DAP v1
// interface. SET_REPORT(Output) carries a command as the interrupt OUT
// endpoint would; GET_REPORT(Input) returns the reply waiting, if any.
func (s *session) hidRequest(ctx context.Context, st usbip.Setup, out []byte) ([]byte, error) {
	reportType := st.Value >> 8
	switch {
	case st.Request == hidSetIdle && !st.IsIn():
		return nil, nil
	case st.Request == hidGetIdle && st.IsIn():
		return []byte{0}, nil
	case st.Request == hidSetReport && !st.IsIn() && reportType == 2:
		s.commands++
		if err := s.xfer.Out(ctx, out); err != nil {
			return nil, err
		}
		return nil, nil
	case st.Request == hidSetReport && !st.IsIn() && reportType == 3:
		return nil, nil // the 1-byte feature report carries nothing here
	case st.Request == hidGetReport && st.IsIn() && reportType == 1:
		data, _, err := s.xfer.In(ctx, hidReportSize)
		if err != nil {
			return nil, err
		}
		rep := make([]byte, hidReportSize)
		copy(rep, data)
		return rep, nil
	case st.Request == hidGetReport && st.IsIn() && reportType == 3:
		return []byte{0}, nil
	}
	return nil, errStall
}

// endpointFor maps wIndex of an endpoint request to a known endpoint
// address (ep0 included).
func (s *session) endpointFor(addr uint8) (uint8, bool) {
	if addr&0x7F == 0 {
		return 0, true
	}
	_, ok := s.dev.endpoints[addr]
	return addr, ok
}

func setupError(st usbip.Setup, err error) error {
	return fmt.Errorf("ep0 %s: %w", st, err)
}
