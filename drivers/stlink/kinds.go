package stlink

import "github.com/flashstation/flashstation/drivers"

// VID is ST's USB vendor ID, shared by every ST-Link.
const VID uint16 = 0x0483

// pidKinds maps ST-Link product IDs to probe kinds (probes.md §2.1; OpenOCD
// interface/stlink.cfg and stlink_usb.c; probe-rs stlink/usb_interface.rs).
// 0x374d is the V3 in its USB loader: listed so discovery can name it, but
// it does not speak the debug protocol until its update is finished.
var pidKinds = map[uint16]drivers.Kind{
	0x3748: drivers.STLinkV2,
	0x374b: drivers.STLinkV21, // V2-1 (Nucleo, Discovery on-board)
	0x3752: drivers.STLinkV21, // V2-1 without mass storage
	0x374a: drivers.STLinkV21, // V2-1 with audio
	0x374d: drivers.STLinkV3,  // V3 USB loader
	0x374e: drivers.STLinkV3,  // V3E
	0x374f: drivers.STLinkV3,  // V3S / V3 with bridge
	0x3753: drivers.STLinkV3,  // V3 with two virtual COM ports
	0x3754: drivers.STLinkV3,  // V3E without mass storage
	0x3757: drivers.STLinkV3,  // V3PWR / V3P
}

// PIDV3Loader is the PID a STLINK-V3 shows while in its USB loader.
const PIDV3Loader uint16 = 0x374d

// KindForPID says which ST-Link a product ID belongs to, for discovery.
func KindForPID(pid uint16) (drivers.Kind, bool) {
	k, ok := pidKinds[pid]
	return k, ok
}

// isV21PID reports the PIDs whose GET_VERSION low bits follow the V2-1
// JxMy / MxSy rule (OpenOCD stlink_usb_version applies it to 374b and
// 3752; 374a is the same V2-1 hardware with audio, so it is treated alike).
func isV21PID(pid uint16) bool {
	return pid == 0x374b || pid == 0x3752 || pid == 0x374a
}
