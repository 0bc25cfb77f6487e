package simtest

import (
	"time"

	"github.com/flashstation/flashstation/drivers"
)

// Link ceilings for moving n bytes of target RAM with 32-bit accesses:
// the least time any driver could take on the simulated link
// (/work/shared/facts/performance.md; drivers/sim/usbtime.go).

// swdCyclesPerWord: 8 request + 1 turnaround + 3 ACK + 33 data/parity +
// 1 turnaround, no idle cycles.
const swdCyclesPerWord = 46

// SWDCeiling is the SWD wire time of n bytes at hz: 11.5 µs per word at
// 4 MHz, ≈340 KiB/s.
func SWDCeiling(n int, hz uint32) time.Duration {
	if hz == 0 {
		return 0
	}
	words := int64((n + 3) / 4)
	return time.Duration(words * swdCyclesPerWord * int64(time.Second) / int64(hz))
}

// HIDCeiling is n bytes at one 64-byte report per 1 ms full-speed frame
// (CMSIS-DAP v1): 64 KB/s. Command headers are counted against it, so a
// driver can reach at most 56/64 of it writing (14 words per
// DAP_TransferBlock report) and 60/64 reading (15 words).
func HIDCeiling(n int) time.Duration {
	return time.Duration(int64(n) * int64(time.Millisecond) / 64)
}

// USB bulk packet times of the simulated Link (usbtime.go): 64 B per
// 50 µs at full speed, 512 B per 10 µs at high speed.
const (
	fullSpeedPacket = 50 * time.Microsecond
	highSpeedPacket = 10 * time.Microsecond
)

// STLinkCeiling is n bytes through an ST-Link at hz: the SWD wire time
// plus the time the data itself spends on USB. An ST-Link has one command
// in flight and one data buffer: a memory command's data phase crosses USB
// whole before (write) or after (read) the probe drives the wire, so the
// two never overlap. V2 is full speed (64-byte packets), V3 high speed
// (512-byte packets).
func STLinkCeiling(kind drivers.Kind, n int, hz uint32) time.Duration {
	pkt, per := 64, fullSpeedPacket
	if kind == drivers.STLinkV3 {
		pkt, per = 512, highSpeedPacket
	}
	return SWDCeiling(n, hz) + time.Duration((n+pkt-1)/pkt)*per
}

// Ceiling picks the ceiling of the probe kind: the SWD wire for CMSIS-DAP
// v2 (high-speed bulk with several packets in flight keeps USB off the
// critical path), the HID report rate for v1, STLinkCeiling for ST-Links.
func Ceiling(kind drivers.Kind, n int, hz uint32) time.Duration {
	switch kind {
	case drivers.CMSISDAPv1:
		return max(HIDCeiling(n), SWDCeiling(n, hz))
	case drivers.STLinkV2, drivers.STLinkV21, drivers.STLinkV3:
		return STLinkCeiling(kind, n, hz)
	}
	return SWDCeiling(n, hz)
}
