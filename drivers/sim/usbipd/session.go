package usbipd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/sim"
	"github.com/flashstation/flashstation/drivers/sim/usbip"
)

// session is one imported device: the URB traffic of one client.
type session struct {
	srv    *Server
	conn   net.Conn
	client string
	busid  string
	slot   *sim.Slot
	xfer   *sim.Transfers
	dev    *usbDevice
	// the debug interface's data endpoints, the ones the firmware serves
	epOut, epIn uint8

	configuration uint8
	halted        map[uint8]bool
	// pending IN URBs, oldest first: on the debug IN endpoint they complete
	// as reply data arrives; on any other IN endpoint the device NAKs
	// forever, until the client unlinks them.
	pending []*pendingIn

	commands, urbs, unlinked int
	start                    time.Duration
	end                      string
}

type pendingIn struct {
	cmd  *usbip.CmdSubmit
	addr uint8
	data []byte
}

func newSession(srv *Server, c net.Conn, busid string, slot *sim.Slot, xfer *sim.Transfers) *session {
	d := slot.Probe.Descriptor()
	s := &session{srv: srv, conn: c, client: c.RemoteAddr().String(), busid: busid, slot: slot, xfer: xfer,
		dev: newUSBDevice(d), configuration: 1, halted: map[uint8]bool{}, start: xfer.ModeledTime()}
	for _, in := range d.Interfaces {
		if in.Number != slot.Probe.DebugInterface() {
			continue
		}
		for _, ep := range in.Endpoints {
			if ep.IsIn() && s.epIn == 0 {
				s.epIn = ep.Address
			} else if !ep.IsIn() && s.epOut == 0 {
				s.epOut = ep.Address
			}
		}
	}
	return s
}

func (s *session) summary() SessionEvent {
	return SessionEvent{Event: "session", BusID: s.busid, Probe: string(s.slot.Spec.Probe), Serial: s.slot.Probe.Serial(),
		Client: s.client, Commands: s.commands, URBs: s.urbs, Unlinked: s.unlinked,
		Modeled: (s.xfer.ModeledTime() - s.start).Seconds(), End: s.end}
}

// run serves URBs until the client leaves, the device is unplugged or ctx
// ends.
func (s *session) run(ctx context.Context) {
	lg := s.srv.log.With("client", s.client, "busid", s.busid)
	for {
		msg, err := usbip.ReadCommand(s.conn)
		if err != nil {
			switch {
			case !s.xfer.Alive():
				s.end = "unplugged"
				lg.Info("usbipd: device unplugged, connection closed")
			case ctx.Err() != nil:
				s.end = "server stopped"
			case errors.Is(err, io.EOF):
				s.end = "client closed"
				if len(s.pending) > 0 {
					lg.Info("usbipd: client left with transfers pending", "pending", len(s.pending))
				}
			case errors.Is(err, usbip.ErrMalformed):
				s.end = "malformed packet"
				lg.Warn("usbipd: malformed packet, connection closed", "err", err)
			case errors.Is(err, io.ErrUnexpectedEOF):
				s.end = "client gone mid-packet"
				lg.Warn("usbipd: client disconnected mid-transfer", "err", err)
			default:
				s.end = "connection error"
				lg.Warn("usbipd: connection lost", "err", err)
			}
			return
		}
		switch m := msg.(type) {
		case *usbip.CmdSubmit:
			err = s.submit(ctx, m)
		case *usbip.CmdUnlink:
			err = s.unlink(m)
		}
		if err != nil {
			if errors.Is(err, link.ErrDisconnected) || !s.xfer.Alive() {
				s.end = "unplugged"
				lg.Info("usbipd: device unplugged, connection closed")
			} else {
				s.end = "write error"
				lg.Warn("usbipd: reply not sent, connection closed", "err", err)
			}
			return
		}
	}
}

// reply sends a RET_SUBMIT. number_of_packets echoes the command's, as
// the kernel's stub does (urb->number_of_packets: 0 from vhci, 0xffffffff
// from clients that follow the protocol document's table).
func (s *session) reply(r usbip.RetSubmit) error {
	_, err := s.conn.Write(r.Encode())
	return err
}

// submit answers one CMD_SUBMIT, now or (IN on a data endpoint) when the
// device has the data.
func (s *session) submit(ctx context.Context, c *usbip.CmdSubmit) error {
	ret := usbip.RetSubmit{Basic: usbip.Basic{Seqnum: c.Seqnum}, NumberOfPackets: c.NumberOfPackets}
	if c.EP == 0 {
		s.urbs++
		st := usbip.ParseSetup(c.Setup)
		data, err := s.control(ctx, st, c.Data)
		switch {
		case errors.Is(err, errStall):
			s.srv.log.Debug("usbipd: ep0 request stalled", "busid", s.busid, "setup", st.String())
			ret.Status = usbip.ErrnoEPIPE
		case err != nil:
			if errors.Is(err, link.ErrDisconnected) {
				return err
			}
			ret.Status = statusOf(err)
		case st.IsIn():
			data = data[:min(len(data), int(st.Length), int(c.TransferBufferLength))]
			ret.ActualLength, ret.Data = uint32(len(data)), data
		default:
			ret.ActualLength = uint32(len(c.Data))
		}
		if err := s.reply(ret); err != nil {
			return err
		}
		// A HID SET_REPORT(Output) may have produced a reply for an
		// interrupt IN URB the host keeps queued (hidraw, hidapi).
		return s.drain(ctx)
	}
	addr := uint8(c.EP)
	if c.Direction == usbip.DirIn {
		addr |= 0x80
	}
	_, known := s.dev.endpoints[addr]
	switch {
	case !known || s.configuration == 0:
		s.urbs++
		s.srv.log.Warn("usbipd: transfer to an endpoint the device does not have", "client", s.client, "busid", s.busid, "endpoint", fmt.Sprintf("0x%02x", addr))
		ret.Status = usbip.ErrnoEPIPE
		return s.reply(ret)
	case s.halted[addr]:
		s.urbs++
		ret.Status = usbip.ErrnoEPIPE
		return s.reply(ret)
	case c.Direction == usbip.DirIn:
		s.pending = append(s.pending, &pendingIn{cmd: c, addr: addr})
		return s.drain(ctx)
	case addr != s.epOut:
		// OUT to an endpoint of a function the simulator does not model
		// (mass storage, virtual COM port): accepted and dropped.
		s.urbs++
		ret.ActualLength = uint32(len(c.Data))
		return s.reply(ret)
	}
	s.urbs++
	s.commands++
	if err := s.xfer.Out(ctx, c.Data); err != nil {
		if errors.Is(err, link.ErrDisconnected) {
			return err
		}
		ret.Status = statusOf(err)
		return s.reply(ret)
	}
	ret.ActualLength = uint32(len(c.Data))
	if err := s.reply(ret); err != nil {
		return err
	}
	return s.drain(ctx)
}

// drain completes pending IN URBs on the debug IN endpoint, oldest first,
// while the firmware has data for them.
func (s *session) drain(ctx context.Context) error {
	for {
		var p *pendingIn
		idx := -1
		for i, q := range s.pending {
			if q.addr == s.epIn {
				p, idx = q, i
				break
			}
		}
		if p == nil {
			return nil
		}
		want := int(p.cmd.TransferBufferLength) - len(p.data)
		data, done, err := s.xfer.In(ctx, want)
		p.data = append(p.data, data...)
		if err != nil && errors.Is(err, link.ErrDisconnected) {
			return err
		}
		if !done && err == nil {
			return nil
		}
		s.pending = append(s.pending[:idx], s.pending[idx+1:]...)
		s.urbs++
		ret := usbip.RetSubmit{Basic: usbip.Basic{Seqnum: p.cmd.Seqnum}, NumberOfPackets: p.cmd.NumberOfPackets, ActualLength: uint32(len(p.data)), Data: p.data}
		switch {
		case err != nil:
			ret.Status = statusOf(err)
		case p.cmd.TransferFlags&usbip.FlagShortNotOK != 0 && len(p.data) < int(p.cmd.TransferBufferLength):
			ret.Status = usbip.ErrnoEREMOTEIO
		}
		if err := s.reply(ret); err != nil {
			return err
		}
	}
}

// unlink cancels a pending URB (RET_UNLINK -ECONNRESET, and no RET_SUBMIT
// for it) or reports that it already completed (status 0).
func (s *session) unlink(c *usbip.CmdUnlink) error {
	ret := usbip.RetUnlink{Basic: usbip.Basic{Seqnum: c.Seqnum}}
	for i, p := range s.pending {
		if p.cmd.Seqnum == c.UnlinkSeqnum {
			if len(p.data) > 0 {
				// Data already taken from the device is lost with the URB,
				// as with a real cancelled transfer.
				s.srv.log.Debug("usbipd: unlinked a partly filled transfer", "busid", s.busid, "lost", len(p.data))
			}
			s.pending = append(s.pending[:i], s.pending[i+1:]...)
			s.unlinked++
			ret.Status = usbip.ErrnoECONNRESET
			break
		}
	}
	_, err := s.conn.Write(ret.Encode())
	return err
}

// statusOf maps a simulated link error to the status a host controller
// reports.
func statusOf(err error) int32 {
	switch {
	case errors.Is(err, sim.ErrOverflow):
		return usbip.ErrnoEOVERFLOW
	case errors.Is(err, link.ErrTimeout):
		return usbip.ErrnoEPROTO // no handshake / CRC errors after retries
	case errors.Is(err, link.ErrDisconnected):
		return usbip.ErrnoENODEV
	}
	return usbip.ErrnoEIO
}
