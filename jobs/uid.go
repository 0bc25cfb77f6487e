package jobs

import (
	"fmt"
	"strings"
)

// MaxUIDDigits bounds a unit UID: 32 hex digits (128 bits) covers the STM32
// 96-bit UID, nRF52 FICR DEVICEID (64 bits) and RP2040 flash unique ID.
const MaxUIDDigits = 32

// NormalizeUID turns what a user or a read-id step wrote ("0x1F2E3D4C",
// "1f2e3d4c") into the stored form: lowercase hex digits without prefix.
func NormalizeUID(s string) (string, error) {
	t := strings.TrimSpace(s)
	if len(t) >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') {
		t = t[2:]
	}
	if t == "" {
		return "", fmt.Errorf("jobs: unit UID %q has no hex digits", s)
	}
	if len(t) > MaxUIDDigits {
		return "", fmt.Errorf("jobs: unit UID %q has %d hex digits (at most %d)", s, len(t), MaxUIDDigits)
	}
	for i := 0; i < len(t); i++ {
		if !isHex(t[i]) {
			return "", fmt.Errorf("jobs: unit UID %q: %q at position %d is not a hex digit", s, t[i], i+1)
		}
	}
	return strings.ToLower(t), nil
}
