package usbipd

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// ErrNoDevice is wrapped when a control request names a busid the fixture
// does not have.
var ErrNoDevice = errors.New("no such device")

// DeviceState is one probe as the control interface reports it.
type DeviceState struct {
	BusID   string `json:"busid"`
	VIDPID  string `json:"vid_pid"`
	Probe   string `json:"probe"`
	Serial  string `json:"serial"`
	Plugged bool   `json:"plugged"`
	Board   bool   `json:"board"`            // a board is seated in the nest
	Client  string `json:"client,omitempty"` // who imported it, if anyone
}

// State lists every probe of the fixture, plugged or not.
func (s *Server) State() []DeviceState {
	var out []DeviceState
	for _, sl := range s.cfg.Fixture.Slots {
		d := sl.Probe.Descriptor()
		st := DeviceState{BusID: BusID(sl.Probe), VIDPID: fmt.Sprintf("%04x:%04x", d.VID, d.PID),
			Probe: string(sl.Spec.Probe), Serial: d.Serial, Plugged: sl.Probe.Plugged(), Board: sl.Board() != nil}
		s.mu.Lock()
		if ss := s.imported[st.BusID]; ss != nil {
			st.Client = ss.client
		}
		s.mu.Unlock()
		out = append(out, st)
	}
	return out
}

// Unplug pulls the probe out: it leaves the device list, and the client
// that imported it loses its connection, as with the kernel's stub
// driver when a device is unplugged (it shuts the socket down).
func (s *Server) Unplug(busid string) error {
	_, p, _ := s.lookup(busid)
	if p == nil {
		return fmt.Errorf("usbipd: unplug %s: %w", busid, ErrNoDevice)
	}
	p.Unplug()
	s.mu.Lock()
	ss := s.imported[busid]
	s.mu.Unlock()
	if ss != nil {
		ss.conn.Close()
	}
	s.log.Info("usbipd: probe unplugged", "busid", busid, "serial", p.Serial())
	return nil
}

// Plug puts the probe back: it enumerates fresh (firmware reset) and can
// be imported again; the board in its nest keeps its state.
func (s *Server) Plug(busid string) error {
	_, p, _ := s.lookup(busid)
	if p == nil {
		return fmt.Errorf("usbipd: plug %s: %w", busid, ErrNoDevice)
	}
	p.Plug()
	s.log.Info("usbipd: probe plugged in", "busid", busid, "serial", p.Serial())
	return nil
}

// SeatBoard puts a fresh board (a new unit, blank unless the spec says
// locked) in the probe's nest; RemoveBoard leaves the nest empty. The
// probe stays plugged in and imported.
func (s *Server) SeatBoard(busid string) error { return s.reseat(busid, false) }

// RemoveBoard takes the board out of the probe's nest.
func (s *Server) RemoveBoard(busid string) error { return s.reseat(busid, true) }

func (s *Server) reseat(busid string, empty bool) error {
	_, p, sl := s.lookup(busid)
	if p == nil {
		return fmt.Errorf("usbipd: board %s: %w", busid, ErrNoDevice)
	}
	if err := sl.Reseat(empty); err != nil {
		return fmt.Errorf("usbipd: board %s: %w", busid, err)
	}
	s.log.Info("usbipd: board changed", "busid", busid, "seated", !empty)
	return nil
}

// ControlHandler is the hotplug control interface over HTTP (serve it on
// loopback only):
//
//	GET  /devices                    every probe: busid, VID:PID, plugged, board seated, client
//	POST /devices/{busid}/unplug     pull the probe out (its client's connection drops)
//	POST /devices/{busid}/plug       put it back (fresh enumeration)
//	POST /devices/{busid}/board/remove   empty the nest
//	POST /devices/{busid}/board/seat     seat a fresh board
//
// POSTs answer 200 with the probe's new state, 404 for an unknown busid.
func (s *Server) ControlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /devices", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.State())
	})
	for path, op := range map[string]func(string) error{
		"/unplug": s.Unplug, "/plug": s.Plug, "/board/remove": s.RemoveBoard, "/board/seat": s.SeatBoard,
	} {
		mux.HandleFunc("POST /devices/{busid}"+path, func(w http.ResponseWriter, r *http.Request) {
			busid := r.PathValue("busid")
			if err := op(busid); err != nil {
				code := http.StatusInternalServerError
				if errors.Is(err, ErrNoDevice) {
					code = http.StatusNotFound
				}
				writeJSON(w, code, map[string]string{"error": err.Error()})
				return
			}
			for _, st := range s.State() {
				if st.BusID == busid {
					writeJSON(w, http.StatusOK, st)
				}
			}
		})
	}
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
