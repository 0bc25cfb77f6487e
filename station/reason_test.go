package station

import (
	"testing"

	"github.com/flashstation/flashstation/jobs"
)

func TestPlainReason(t *testing.T) {
	for _, tc := range []struct {
		result      jobs.Result
		step, error string
		want        string
	}{
		{jobs.Pass, "", "", ""},
		{jobs.Fail, "connect", "native: STM32F103C8: access: connect through stlink-v2 066D: stlink: no target answers: is a board seated in this slot and powered? (target voltage 0.00 V): entering SWD mode: GET_IDCODE_ERROR 0x09",
			"No board answers: is a board seated and powered?"},
		{jobs.Fail, "connect", "native: STM32F103C8: stm32f1: stm32: expected STM32F103C8 (0x410), found STM32F411 (0x431): wrong board in this slot or wrong recipe",
			"Wrong board: expected STM32F103C8 (0x410), found STM32F411 (0x431)"},
		{jobs.Fail, "step 4 (verify)", "verify failed at 0x08000010: flash has FF, image has 01 (1 bytes differ)",
			"Verify failed at 0x08000010: flash does not hold the image"},
		{jobs.Error, "step 3 (program)", "sim: write to X: probe disconnected", "Probe disconnected: check its USB cable"},
		{jobs.Fail, "step 1 (reset)", "step 1 (reset) timed out after 20ms: context deadline exceeded", "Reset took too long (timed out)"},
		{jobs.Fail, "step 5 (lock)", "lock did not take: the chip reports none after reset", "Lock did not take: the chip is not protected"},
		{jobs.Fail, "step 3 (program)", "stm32f1: program: PGERR at 0x08000400: flash not erased", "Program failed: flash not erased"},
		{jobs.Aborted, "step 3 (program)", "context canceled", "Aborted"},
		{jobs.Error, "", "internal error: panic: boom", "Boom"},
	} {
		a := &jobs.Attempt{Result: tc.result, FailedStep: tc.step, Error: tc.error}
		if got := plainReason(a); got != tc.want {
			t.Errorf("%q\n got %q\nwant %q", tc.error, got, tc.want)
		}
	}
}
