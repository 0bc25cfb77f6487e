package drivers

import (
	"context"
	"time"
)

// Kind names a probe family as users write it in --sim specs and selectors.
type Kind string

const (
	CMSISDAPv1 Kind = "cmsis-dap-v1"
	CMSISDAPv2 Kind = "cmsis-dap-v2"
	STLinkV2   Kind = "stlink-v2"
	STLinkV21  Kind = "stlink-v21"
	STLinkV3   Kind = "stlink-v3"
	JLink      Kind = "jlink"
)

// Identity is what is known of a probe once found and opened.
type Identity struct {
	Kind     Kind
	VID, PID uint16
	Serial   string // normalised: old ST-Link binary serials as 24 hex digits
	Port     string // physical path, usb:BUS-PORT.PORT…
	Product  string
	Firmware string // e.g. "V2J37S7", "2.1.0"; "" when unknown
}

// Wire protocol between probe and target.
type Protocol uint8

const (
	SWD Protocol = iota
	JTAG
)

func (p Protocol) String() string {
	if p == JTAG {
		return "jtag"
	}
	return "swd"
}

// ConnectOptions say how to bring up the debug port.
type ConnectOptions struct {
	Protocol Protocol
	ClockHz  uint32 // SWD/JTAG clock; 0 means the driver's default
	// TargetSel, when non-nil, selects one DP on a multidrop SWD bus (DPv2):
	// the driver wakes the line from dormant, line-resets and writes
	// TARGETSEL before reading DPIDR. Probes that cannot do this say so.
	TargetSel *uint32
	// UnderReset holds nRESET low while connecting (connect-under-reset).
	UnderReset bool
}

// Probe is an opened debug probe. Close releases the USB device.
type Probe interface {
	Identity() Identity
	// Connect brings up the debug port and returns the DP's DPIDR.
	Connect(ctx context.Context, opts ConnectOptions) (dpidr uint32, err error)
	// Disconnect releases the target lines; the probe stays open.
	Disconnect(ctx context.Context) error
	Close() error
}

// VoltageSensor: probes that measure the target's supply.
type VoltageSensor interface {
	TargetVoltage(ctx context.Context) (volts float64, err error)
}

// Resetter: probes that drive the nRESET line.
type Resetter interface {
	// HardReset pulses nRESET low for at least d.
	HardReset(ctx context.Context, d time.Duration) error
}
