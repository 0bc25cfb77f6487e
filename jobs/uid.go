package jobs

import (
	"errors"
	"fmt"
	"strings"
)

// MaxUIDDigits bounds a unit UID: 32 hex digits (128 bits) covers the STM32
// 96-bit UID, nRF52 FICR DEVICEID (64 bits) and RP2040 flash unique ID.
const MaxUIDDigits = 32

// NormalizeUID turns what a user or a read-id step wrote ("0x1F2E3D4C",
// "1f2e3d4c") into the stored form: lowercase hex digits without prefix.
func NormalizeUID(s string) (string, error) {
	uid, err := normalizeUID(s)
	if err != nil {
		return "", fmt.Errorf("jobs: unit UID %q: %w", s, err)
	}
	return uid, nil
}

// normalizeUID says what is wrong without naming the value, so callers can
// say where the value came from.
func normalizeUID(s string) (string, error) {
	t := strings.TrimSpace(s)
	if len(t) >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') {
		t = t[2:]
	}
	if t == "" {
		return "", errors.New("no hex digits")
	}
	if len(t) > MaxUIDDigits {
		return "", fmt.Errorf("%d hex digits (at most %d)", len(t), MaxUIDDigits)
	}
	for i := 0; i < len(t); i++ {
		if !isHex(t[i]) {
			return "", fmt.Errorf("%q at position %d is not a hex digit", string(t[i]), i+1)
		}
	}
	return strings.ToLower(t), nil
}
