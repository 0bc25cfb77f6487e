package discover

import (
	"fmt"
	"slices"
	"strings"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/link"
)

// Found is a probe seen on the bus, not yet opened.
type Found struct {
	Kind   drivers.Kind
	Device link.Device
	// Serial is the normalised serial users select by; "" when the probe
	// has none (select it by port).
	Serial string
	// Interface is the USB interface the driver claims.
	Interface int
	// Notes for the user: permission problems, bootloader mode, a serial
	// shared with another probe.
	Notes []string
	// Usable is false when the probe is listed but cannot be driven (no
	// permission, bootloader mode).
	Usable bool
}

const (
	vidST     = 0x0483
	vidSEGGER = 0x1366
)

// stlinkPIDs maps ST-Link product IDs to kinds (probes.md §2.1, OpenOCD
// interface/stlink.cfg). 0x374d is the V3 in its USB loader.
var stlinkPIDs = map[uint16]drivers.Kind{
	0x3748: drivers.STLinkV2,
	0x374b: drivers.STLinkV21, 0x3752: drivers.STLinkV21, 0x374a: drivers.STLinkV21,
	0x374d: drivers.STLinkV3, 0x374e: drivers.STLinkV3, 0x374f: drivers.STLinkV3,
	0x3753: drivers.STLinkV3, 0x3754: drivers.STLinkV3, 0x3757: drivers.STLinkV3,
}

// isJLinkPID follows probe-rs' rule: the legacy PIDs, or 0x1000 set with
// bit 4 or 5 (probes.md §5).
func isJLinkPID(pid uint16) bool {
	switch pid {
	case 0x0101, 0x0102, 0x0103, 0x0104, 0x0105, 0x0107, 0x0108:
		return true
	}
	return pid&0x1000 != 0 && pid&0x0030 != 0
}

func mentionsCMSISDAP(s string) bool {
	u := strings.ToUpper(s)
	return strings.Contains(u, "CMSIS-DAP") || strings.Contains(u, "CMSIS_DAP")
}

// Classify says whether d is a supported probe, and which.
func Classify(d link.Device) (Found, bool) {
	f := Found{Device: d, Usable: d.OpenErr == nil}
	if d.OpenErr != nil {
		f.Notes = append(f.Notes, d.OpenErr.Error())
	}
	if d.VID == vidST {
		kind, ok := stlinkPIDs[d.PID]
		if !ok {
			return f, false
		}
		f.Kind, f.Serial = kind, NormalizeSTLinkSerial(d.Serial)
		if d.PID == 0x374d {
			f.Usable = false
			f.Notes = append(f.Notes, "ST-Link V3 is in its USB loader (firmware update mode): replug it or finish the update")
		}
		return f, true
	}
	// CMSIS-DAP by name, v2 (vendor bulk interface) preferred over v1 (HID)
	// when a probe offers both, as DAPLink does.
	if iface, kind, ok := cmsisDAPInterface(d); ok {
		f.Kind, f.Interface, f.Serial = kind, iface, strings.TrimSpace(d.Serial)
		return f, true
	}
	if d.VID == vidSEGGER && isJLinkPID(d.PID) {
		f.Kind, f.Serial = drivers.JLink, strings.TrimSpace(d.Serial)
		return f, true
	}
	// Strings unreadable (no permission) but a known CMSIS-DAP VID:PID: list
	// it so the user sees the permission note.
	if d.OpenErr != nil && slices.Contains(knownCMSISDAP, [2]uint16{d.VID, d.PID}) {
		f.Kind = drivers.CMSISDAPv2
		return f, true
	}
	return f, false
}

// knownCMSISDAP lists VID:PIDs of CMSIS-DAP probes (probes.md §1.5).
var knownCMSISDAP = [][2]uint16{{0x0d28, 0x0204}, {0x2e8a, 0x000c}, {0xc251, 0xf001}, {0xc251, 0xf002},
	{0xc251, 0x2722}, {0xc251, 0x2750}, {0x1fc9, 0x0090}, {0x1fc9, 0x0143}, {0x2886, 0x802f}}

func cmsisDAPInterface(d link.Device) (int, drivers.Kind, bool) {
	named := mentionsCMSISDAP(d.Product)
	v1, v2 := -1, -1
	for _, in := range d.Interfaces {
		if !named && !mentionsCMSISDAP(in.Name) {
			continue
		}
		switch {
		// A bulk pair on a vendor interface, or on any interface that names
		// itself CMSIS-DAP (KitProg3 declares class 0; OpenOCD accepts it).
		case (in.Class == 0xFF || mentionsCMSISDAP(in.Name)) && hasBulkPair(in) && v2 < 0:
			v2 = in.Number
		case in.Class == 0x03 && v1 < 0:
			v1 = in.Number
		}
	}
	switch {
	case v2 >= 0:
		return v2, drivers.CMSISDAPv2, true
	case v1 >= 0:
		return v1, drivers.CMSISDAPv1, true
	}
	return 0, "", false
}

func hasBulkPair(in link.Interface) bool {
	var out, inn bool
	for _, ep := range in.Endpoints {
		if ep.Type != link.Bulk {
			continue
		}
		if ep.IsIn() {
			inn = true
		} else {
			out = true
		}
	}
	return out && inn
}

// NormalizeSTLinkSerial turns the old ST-Link V2 firmware's serial — twelve
// raw bytes, one per UTF-16 code unit — into the 24 uppercase hex digits
// st-info and OpenOCD print. Printable serials are returned as they are.
func NormalizeSTLinkSerial(s string) string {
	runes := []rune(s)
	if len(runes) != 12 {
		return strings.TrimSpace(s)
	}
	printable := true
	for _, r := range runes {
		if r > 0xFF {
			return s
		}
		if r < 0x20 || r > 0x7E {
			printable = false
		}
	}
	if printable {
		return s
	}
	var b strings.Builder
	for _, r := range runes {
		fmt.Fprintf(&b, "%02X", r)
	}
	return b.String()
}
