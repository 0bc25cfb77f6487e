package discover

import (
	"fmt"
	"strconv"
	"strings"
)

// Selector picks one probe. Exactly one of its forms is set.
type Selector struct {
	Port     string // usb:BUS-PORT.PORT…
	VID, PID uint16 // with Serial, when HasIDs
	HasIDs   bool
	Serial   string
}

func (s Selector) String() string {
	switch {
	case s.Port != "":
		return s.Port
	case s.HasIDs:
		return fmt.Sprintf("%04x:%04x:%s", s.VID, s.PID, s.Serial)
	}
	return s.Serial
}

// ParseSelector reads SERIAL, VID:PID:SERIAL (hex IDs) or usb:BUS-PORT.PORT…
func ParseSelector(text string) (Selector, error) {
	t := strings.TrimSpace(text)
	if t == "" {
		return Selector{}, fmt.Errorf("probe selector is empty: want SERIAL, VID:PID:SERIAL or usb:BUS-PORT.PORT")
	}
	if strings.HasPrefix(strings.ToLower(t), "usb:") {
		if err := checkPort(t[4:]); err != nil {
			return Selector{}, fmt.Errorf("probe selector %q: %w", text, err)
		}
		return Selector{Port: "usb:" + t[4:]}, nil
	}
	parts := strings.Split(t, ":")
	switch len(parts) {
	case 1:
		return Selector{Serial: t}, nil
	case 3:
		vid, err1 := strconv.ParseUint(parts[0], 16, 16)
		pid, err2 := strconv.ParseUint(parts[1], 16, 16)
		if err1 != nil || err2 != nil {
			return Selector{}, fmt.Errorf("probe selector %q: VID and PID must be 4 hex digits each, e.g. 0483:3748:SERIAL", text)
		}
		if parts[2] == "" {
			return Selector{}, fmt.Errorf("probe selector %q: the serial after VID:PID is empty", text)
		}
		return Selector{VID: uint16(vid), PID: uint16(pid), HasIDs: true, Serial: parts[2]}, nil
	}
	return Selector{}, fmt.Errorf("probe selector %q: want SERIAL, VID:PID:SERIAL or usb:BUS-PORT.PORT", text)
}

// checkPort validates "BUS-PORT.PORT…".
func checkPort(p string) error {
	bus, path, ok := strings.Cut(p, "-")
	if !ok || bus == "" || path == "" {
		return fmt.Errorf("port path must look like usb:1-2.3 (bus, dash, ports separated by dots)")
	}
	for _, n := range append([]string{bus}, strings.Split(path, ".")...) {
		if v, err := strconv.Atoi(n); err != nil || v < 0 || v > 255 {
			return fmt.Errorf("port path must look like usb:1-2.3: %q is not a port number", n)
		}
	}
	return nil
}

// Match reports whether the selector picks f. Serials compare without
// regard to case (hex serials are printed in either).
func (s Selector) Match(f Found) bool {
	switch {
	case s.Port != "":
		return s.Port == f.Device.Port
	case s.HasIDs:
		return s.VID == f.Device.VID && s.PID == f.Device.PID && strings.EqualFold(s.Serial, f.Serial)
	}
	return f.Serial != "" && strings.EqualFold(s.Serial, f.Serial)
}
