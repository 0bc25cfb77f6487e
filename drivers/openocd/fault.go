package openocd

import (
	"fmt"
	"strings"

	"github.com/flashstation/flashstation/drivers"
)

// targetSilent are OpenOCD's messages for a probe that works but finds no
// answering target: the board is missing, unpowered or not seated
// (OpenOCD 0.12 src/target/adi_v5_swd.c, src/jtag/core.c,
// src/target/target.c). Everything else that stops OpenOCD from starting
// — no J-Link found, an adapter that does not open, a missing binary, no
// Tcl answer — is the station's fault, never the board's.
var targetSilent = []string{
	"cannot read IDR",
	"Error connecting DP",
	"JTAG scan chain interrogation failed",
	"Could not initialize the debug port",
	"Examination failed",
	"examination failed",
}

// startFailure classifies why OpenOCD could not start: the board's fault
// (drivers.ErrNoTarget, a fail) when OpenOCD reached the probe but no
// target answered, the station's (drivers.StationFault, an error)
// otherwise. msg is the whole message; tail is what OpenOCD printed.
func startFailure(msg, tail string) error {
	for _, s := range targetSilent {
		if strings.Contains(tail, s) {
			return fmt.Errorf("%s: %w", msg, drivers.ErrNoTarget)
		}
	}
	return drivers.StationFault(fmt.Errorf("%s", msg))
}
