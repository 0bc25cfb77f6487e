package stlink

import (
	"errors"
	"strings"
	"testing"
)

func TestStatusErrors(t *testing.T) {
	tests := []struct {
		status byte
		class  error
		want   string
	}{
		{0x81, ErrFault, "stlink: op: target answered FAULT (FAULT 0x81): the target refused the access"},
		{0x10, ErrWait, "target stays busy (WAIT) (SWD_AP_WAIT 0x10): the target may be in a low-power mode or held in reset"},
		{0x14, ErrWait, "(SWD_DP_WAIT 0x14)"},
		{0x11, ErrFault, "(SWD_AP_FAULT 0x11): unmapped address, or memory locked by readout protection"},
		{0x15, ErrFault, "(SWD_DP_FAULT 0x15)"},
		{0x12, ErrWire, "SWD communication error (SWD_AP_ERROR 0x12): check wiring and target power, or lower the SWD clock"},
		{0x16, ErrNoTarget, "stlink: op: no target answers: is a board seated in this slot and powered? (SWD_DP_ERROR 0x16)"},
		{0x13, ErrWire, "(SWD_AP_PARITY_ERROR 0x13): signal integrity"},
		{0x17, ErrWire, "(SWD_DP_PARITY_ERROR 0x17)"},
		{0x18, ErrWire, "(SWD_AP_WDATA_ERROR 0x18)"},
		{0x19, ErrFault, "(SWD_AP_STICKY_ERROR 0x19)"},
		{0x1A, ErrFault, "(SWD_AP_STICKYORUN_ERROR 0x1a)"},
		{0x1D, ErrFault, "(BAD_AP 0x1d): no such access port"},
		{0x09, ErrNoTarget, "no target answers: is a board seated in this slot and powered? (GET_IDCODE_ERROR 0x09)"},
		{0x05, ErrNoTarget, "(NO_DEVICE_CONNECTED 0x05)"},
		{0x0C, ErrFault, "(WRITE_ERROR 0x0c)"},
		{0x0E, ErrProbe, "ST-Link refused the command (ALREADY_OPENED_IN_OTHER_MODE 0x0e): another program may be using this probe"},
		{0x41, ErrProbe, "(FREQ_NOT_SUPPORTED 0x41)"},
		{0x42, ErrProbe, "(UNKNOWN_COMMAND 0x42): this firmware does not know the command: update the ST-Link firmware"},
		{0x77, ErrProbe, "stlink: op: probe answered unknown status 0x77"},
	}
	for _, tc := range tests {
		err := checkStatus("op", []byte{tc.status, 0})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, tc.class) {
			t.Errorf("status %02x: %v, want %v containing %q", tc.status, err, tc.class, tc.want)
		}
	}
	for _, ok := range []byte{0x80, 0x0D} { // 0x0D: write verify, which OpenOCD ignores
		if err := checkStatus("op", []byte{ok}); err != nil {
			t.Errorf("status %02x: %v, want success", ok, err)
		}
	}
	if err := checkStatus("op", nil); err == nil || !strings.Contains(err.Error(), "stlink: op: empty reply") {
		t.Errorf("empty reply: %v", err)
	}
}
