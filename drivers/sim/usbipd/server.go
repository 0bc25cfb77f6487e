package usbipd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"

	"github.com/flashstation/flashstation/drivers/sim"
	"github.com/flashstation/flashstation/drivers/sim/usbip"
)

// Config of a Server.
type Config struct {
	Fixture *sim.Fixture
	// Log gets one line per connection problem (bad busid, malformed
	// packet, client gone mid-transfer, device busy); nil: slog.Default().
	Log *slog.Logger
	// Events gets one JSON line per ended client session (SessionEvent);
	// nil: none.
	Events io.Writer
}

// Server exports every probe of a simulated fixture over USB/IP.
type Server struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	imported map[string]*session // by busid
	conns    map[net.Conn]struct{}
	eventsMu sync.Mutex
}

// New returns a server for cfg.Fixture; Serve starts it.
func New(cfg Config) *Server {
	lg := cfg.Log
	if lg == nil {
		lg = slog.Default()
	}
	return &Server{cfg: cfg, log: lg, imported: map[string]*session{}, conns: map[net.Conn]struct{}{}}
}

// BusID is the USB/IP bus id of a probe: its port path without "usb:",
// e.g. "1-2.3", as Linux names the device in /sys/bus/usb/devices.
func BusID(p *sim.Probe) string { return strings.TrimPrefix(p.Port(), "usb:") }

// Serve accepts clients on ln until ctx ends; then it closes ln and every
// connection and waits for the sessions to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	var wg sync.WaitGroup
	stop := context.AfterFunc(ctx, func() {
		ln.Close()
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
	})
	defer stop()
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("usbipd: accept: %w", err)
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			s.handle(ctx, c)
		}()
	}
}

// handle runs one connection: a device list, or an import followed by the
// URB traffic of that device.
func (s *Server) handle(ctx context.Context, c net.Conn) {
	client := c.RemoteAddr().String()
	h, err := usbip.ReadOpHeader(c)
	if err != nil {
		if !errors.Is(err, io.EOF) {
			s.log.Warn("usbipd: bad request, connection closed", "client", client, "err", err)
		}
		return
	}
	switch h.Code {
	case usbip.OpReqDevList:
		msg, err := usbip.EncodeRepDevList(s.Devices(ctx))
		if err == nil {
			_, err = c.Write(msg)
		}
		if err != nil {
			s.log.Warn("usbipd: device list not sent", "client", client, "err", err)
		}
	case usbip.OpReqImport:
		busid, err := usbip.DecodeReqImport(c)
		if err != nil {
			s.log.Warn("usbipd: truncated import request, connection closed", "client", client, "err", err)
			return
		}
		s.importDevice(ctx, c, busid)
	default:
		s.log.Warn("usbipd: unknown operation, connection closed", "client", client, "code", fmt.Sprintf("0x%04x", h.Code))
	}
}

// Devices lists the plugged-in probes as OP_REP_DEVLIST describes them.
// It scans the simulated bus as a host would, so a probe dropped by an
// injected fault comes back after a few lists, as on the Link path.
func (s *Server) Devices(ctx context.Context) []usbip.Device {
	present := map[string]bool{}
	if devs, err := s.cfg.Fixture.Bus.Devices(ctx); err == nil {
		for _, d := range devs {
			present[d.Port] = true
		}
	}
	var out []usbip.Device
	for i, p := range s.cfg.Fixture.Bus.Probes() {
		if present[p.Port()] {
			out = append(out, s.exportOf(i, p))
		}
	}
	return out
}

func (s *Server) exportOf(i int, p *sim.Probe) usbip.Device {
	d := p.Descriptor()
	u := newUSBDevice(d)
	busid := BusID(p)
	busnum := uint32(1 + i/64)
	speed := usbip.SpeedFull
	if u.highSpeed {
		speed = usbip.SpeedHigh
	}
	e := usbip.Device{
		Path:  fmt.Sprintf("/sys/devices/platform/flashstation-sim/usb%d/%s", busnum, busid),
		BusID: busid, BusNum: busnum, DevNum: uint32(2 + i%64), Speed: speed,
		VID: d.VID, PID: d.PID, BCDDevice: d.BCDDevice,
		ConfigurationValue: 1, NumConfigurations: 1, NumInterfaces: uint8(len(d.Interfaces)),
	}
	for _, in := range d.Interfaces {
		e.Interfaces = append(e.Interfaces, usbip.Interface{Class: in.Class, SubClass: in.SubClass, Protocol: in.Protocol})
	}
	return e
}

// lookup finds a probe by busid.
func (s *Server) lookup(busid string) (int, *sim.Probe, *sim.Slot) {
	for i, sl := range s.cfg.Fixture.Slots {
		if BusID(sl.Probe) == busid {
			return i, sl.Probe, sl
		}
	}
	return -1, nil, nil
}

func (s *Server) importDevice(ctx context.Context, c net.Conn, busid string) {
	client := c.RemoteAddr().String()
	reject := func(status uint32, msg string, args ...any) {
		s.log.Warn("usbipd: import refused: "+msg, append([]any{"client", client, "busid", busid}, args...)...)
		b, _ := usbip.EncodeRepImport(status, usbip.Device{})
		c.Write(b)
	}
	i, p, slot := s.lookup(busid)
	if p == nil || !p.Plugged() {
		reject(usbip.StNoDev, "no such device")
		return
	}
	s.mu.Lock()
	if other, busy := s.imported[busid]; busy {
		s.mu.Unlock()
		reject(usbip.StDevBusy, "device already imported by another client", "by", other.client)
		return
	}
	xfer, err := s.cfg.Fixture.Bus.OpenTransfers(ctx, p.Port())
	if err != nil {
		s.mu.Unlock()
		reject(usbip.StDevBusy, "device cannot be claimed", "err", err)
		return
	}
	exp := s.exportOf(i, p)
	ss := newSession(s, c, busid, slot, xfer)
	s.imported[busid] = ss
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.imported, busid)
		s.mu.Unlock()
		xfer.Close()
	}()
	msg, err := usbip.EncodeRepImport(usbip.StOK, exp)
	if err == nil {
		_, err = c.Write(msg)
	}
	if err != nil {
		s.log.Warn("usbipd: import reply not sent", "client", client, "busid", busid, "err", err)
		return
	}
	ss.run(ctx)
	s.event(ss.summary())
}

// SessionEvent is the JSON line written when a client session ends.
type SessionEvent struct {
	Event    string  `json:"event"` // "session"
	BusID    string  `json:"busid"`
	Probe    string  `json:"probe"` // the --sim probe kind, e.g. "cmsis-dap-v2"
	Serial   string  `json:"serial"`
	Client   string  `json:"client"`
	Commands int     `json:"commands"` // OUT transfers (and HID output reports) the firmware received
	URBs     int     `json:"urbs"`     // CMD_SUBMITs answered, ep0 included
	Unlinked int     `json:"unlinked"` // URBs cancelled by CMD_UNLINK
	Modeled  float64 `json:"modeled_s"`
	End      string  `json:"end"` // why the session ended
}

func (s *Server) event(ev SessionEvent) {
	if s.cfg.Events == nil {
		return
	}
	b, _ := json.Marshal(ev)
	s.eventsMu.Lock()
	defer s.eventsMu.Unlock()
	s.cfg.Events.Write(append(b, '\n'))
}
