package stlink

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// Version is the decoded firmware version of an ST-Link.
type Version struct {
	Major  uint8 // hardware generation: 2 (V2, V2-1) or 3 (V3; 4 on V3PWR per OpenOCD)
	JTAG   uint8 // JTAG/SWD firmware version, the "J" number; 0 = no debug firmware
	SWIM   uint8 // SWIM (STM8) firmware version, the "S" number
	MSD    uint8 // mass-storage / virtual COM firmware, the "M" number
	Bridge uint8 // bridge firmware (V3), the "B" number
	VID    uint16
	PID    uint16
}

// String formats the version the way ST and OpenOCD print it: "V2J37S7",
// "V2J40M27", "V3J7M3B5S1". J is shown when non-zero or when there is no
// M; S when non-zero or when there is no M (OpenOCD stlink_usb_version).
func (v Version) String() string {
	s := "V" + strconv.Itoa(int(v.Major))
	if v.JTAG != 0 || v.MSD == 0 {
		s += "J" + strconv.Itoa(int(v.JTAG))
	}
	if v.MSD != 0 {
		s += "M" + strconv.Itoa(int(v.MSD))
	}
	if v.Bridge != 0 {
		s += "B" + strconv.Itoa(int(v.Bridge))
	}
	if v.SWIM != 0 || v.MSD == 0 {
		s += "S" + strconv.Itoa(int(v.SWIM))
	}
	return s
}

// short is "V2J17": the part feature gates speak of.
func (v Version) short() string { return fmt.Sprintf("V%dJ%d", v.Major, v.JTAG) }

// v3API reports firmware that uses the V3 command set (SET_COM_FREQ, no
// SWD_SET_FREQ divisors). OpenOCD treats major 3 and 4 (V3PWR) alike.
func (v Version) v3API() bool { return v.Major >= 3 }

// decodeVersion decodes the 6-byte GET_VERSION (F1) reply: a big-endian
// u16 of major[15:12], x[11:6], y[5:0], then VID and PID little-endian
// (probes.md §2.5, OpenOCD stlink_usb_version). On V2-1 probes x and y
// are JTAG/MSD, except STM8-only firmware (MxSy), recognised by OpenOCD's
// rule: x <= 22 with y == 7, or x >= 25 with 7 <= y <= 12.
func decodeVersion(b []byte) (Version, error) {
	if len(b) < 6 {
		return Version{}, fmt.Errorf("stlink: GET_VERSION reply is %d bytes, want 6", len(b))
	}
	raw := binary.BigEndian.Uint16(b[0:2])
	v := Version{
		Major: uint8(raw >> 12),
		VID:   binary.LittleEndian.Uint16(b[2:4]),
		PID:   binary.LittleEndian.Uint16(b[4:6]),
	}
	x, y := uint8(raw>>6)&0x3f, uint8(raw)&0x3f
	switch {
	case isV21PID(v.PID) && ((x <= 22 && y == 7) || (x >= 25 && y >= 7 && y <= 12)):
		v.MSD, v.SWIM = x, y
	case isV21PID(v.PID):
		v.JTAG, v.MSD = x, y
	default:
		v.JTAG, v.SWIM = x, y
	}
	if v.VID != VID {
		return v, fmt.Errorf("stlink: GET_VERSION reply names vendor %04x, not ST's %04x (reply % x)", v.VID, VID, b[:6])
	}
	return v, nil
}

// decodeVersionEx decodes the 12-byte GET_VERSION_EX (FB) reply of V3
// probes: [0] major, [1] SWIM, [2] JTAG, [3] MSD, [4] bridge, [8..9] VID,
// [10..11] PID (probes.md §2.5; OpenOCD, probe-rs get_version).
func decodeVersionEx(b []byte) (Version, error) {
	if len(b) < 12 {
		return Version{}, fmt.Errorf("stlink: GET_VERSION_EX reply is %d bytes, want 12", len(b))
	}
	v := Version{
		Major: b[0], SWIM: b[1], JTAG: b[2], MSD: b[3], Bridge: b[4],
		VID: binary.LittleEndian.Uint16(b[8:10]),
		PID: binary.LittleEndian.Uint16(b[10:12]),
	}
	if v.Major < 3 {
		return v, fmt.Errorf("stlink: GET_VERSION_EX reply says major version %d; only V3 probes answer it (reply % x)", v.Major, b[:12])
	}
	if v.VID != VID {
		return v, fmt.Errorf("stlink: GET_VERSION_EX reply names vendor %04x, not ST's %04x (reply % x)", v.VID, VID, b[:12])
	}
	return v, nil
}
