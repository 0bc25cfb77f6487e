package hw

import "github.com/flashstation/flashstation/drivers/link"

// Firmware is a simulated probe's USB-facing firmware. The simulated Link
// hands it every packet the host writes and asks it for every packet the
// host reads. The Link charges USB transfer time (frames, packets in
// flight); the wires the firmware drives (SWD, JTAG) charge wire time to the
// probe's clock; the firmware itself charges only its own processing time,
// if it models any.
type Firmware interface {
	// Descriptor is the USB device as enumeration shows it: VID, PID,
	// strings, interfaces and endpoints. Port is filled in by the bus.
	Descriptor() link.Device
	// Interface is the interface number the host driver claims.
	Interface() int
	// Out accepts one packet written by the host to the OUT endpoint and
	// runs whatever it completes (a command, or the data phase of one).
	Out(p []byte)
	// In returns the next packet the probe has for the host on the IN
	// endpoint; ok is false when it has nothing (the host's read then times
	// out, as on real USB).
	In() (p []byte, ok bool)
	// Reset returns the firmware to its power-on state (replug).
	Reset()
}
