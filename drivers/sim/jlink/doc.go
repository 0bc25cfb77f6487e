// Package jlink is a simulated SEGGER J-Link as USB enumeration shows it,
// and nothing more: VID 1366, PID 0101, product "J-Link", manufacturer
// SEGGER, the serial number as a 12-digit decimal string left-padded
// with zeros, and one vendor-specific interface (class, subclass and
// protocol FF) with a bulk IN and a bulk OUT endpoint, the interface
// libjaylink (transport_usb.c) and probe-rs (probe/jlink) look for.
//
// Only the OpenOCD driver uses J-Links, by handing them to OpenOCD, so no
// J-Link protocol is modelled: packets written are dropped and nothing is
// ever answered.
//
// Sources: /work/shared/facts/probes.md §5 (libjaylink discovery_usb.c,
// probe-rs, OpenOCD: VID, PIDs, serial format).
package jlink
