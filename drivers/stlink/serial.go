package stlink

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// NormalizeSerial returns the serial users select an ST-Link by. Old V2
// firmware (e.g. V2J17) reports a 26-byte string descriptor holding twelve
// raw bytes instead of 24 characters; st-info and OpenOCD show those bytes
// as 24 uppercase hex digits, and so does this (probes.md §2.8; stlink-org
// usb.c stlink_serial). The raw serial may arrive either as twelve bytes,
// or — as a USB layer decoding UTF-16 gives it — as twelve runes of value
// at most 0xFF. A printable serial is returned unchanged but trimmed.
func NormalizeSerial(raw string) string {
	if b, ok := rawSerialBytes(raw); ok && !allPrintable(b) {
		return fmt.Sprintf("%X", b)
	}
	return strings.TrimSpace(raw)
}

// rawSerialBytes extracts the twelve serial bytes from either encoding.
func rawSerialBytes(s string) ([]byte, bool) {
	const n = 12
	if utf8.ValidString(s) && utf8.RuneCountInString(s) == n {
		b := make([]byte, 0, n)
		for _, r := range s {
			if r > 0xFF {
				return nil, false
			}
			b = append(b, byte(r))
		}
		return b, true
	}
	if len(s) == n {
		return []byte(s), true
	}
	return nil, false
}

func allPrintable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7E {
			return false
		}
	}
	return true
}
