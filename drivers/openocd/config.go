package openocd

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/flashstation/flashstation/targets/facts"
)

// Config says how to start OpenOCD for one probe and one board.
type Config struct {
	// Binary is the openocd executable; "openocd" (found on PATH) when empty.
	Binary string
	// AdapterArgs are Tcl commands run before the target configuration:
	// the adapter and its serial (JLinkAdapter), or a remote_bitbang
	// connection (RemoteBitbangAdapter), plus variables the target script
	// reads (`set WORKAREASIZE 0`).
	AdapterArgs []string
	// TargetCfg is the target script, e.g. "target/stm32f1x.cfg"; empty
	// means the one for Variant's family (TargetConfig).
	TargetCfg string
	// PostTarget are Tcl commands run after the target script, before init.
	PostTarget []string
	// Variant is the chip the recipe names; it selects the family's
	// commands and the identity registers.
	Variant *facts.Variant
	// StartTimeout bounds starting OpenOCD and reaching its Tcl port;
	// 0 means 15 s (init examines the target, slow over remote_bitbang).
	StartTimeout time.Duration
	// Log receives OpenOCD's lines outside any operation; nil means
	// slog.Default().
	Log *slog.Logger
}

// family is what differs per chip family: the target script and the
// flash driver's command prefix.
type family struct {
	cfg    string
	driver string
	// pre are Tcl commands run just before the target script.
	pre []string
}

var families = map[string]family{
	// STM32F103 compatibles answer other DP/TAP ids than ST's (GD32
	// JTAG 0x1BA01477, CS32/APM32 SW-DP 0x2BA01477 and JTAG 0x4BA00477:
	// drivers/sim/IDENTITY.md): "UNEXPECTED idcode: 0x2ba01477" ends init
	// on an ST-Link. stm32f1x.cfg takes CPUTAPID, and OpenOCD treats an
	// expected id of 0 as "don't-warn" (src/jtag/core.c,
	// src/jtag/hla/hla_interface.c), so every maker connects; Identify
	// tells them apart.
	"stm32f1": {"target/stm32f1x.cfg", "stm32f1x", []string{"set CPUTAPID 0"}},
	"stm32f4": {"target/stm32f4x.cfg", "stm32f2x", nil}, // OpenOCD drives F4 with its F2 driver
	"nrf52":   {"target/nrf52.cfg", "nrf5", nil},
	"rp2040":  {"target/rp2040.cfg", "rp2040", nil},
}

// TargetConfig is OpenOCD's target script for a chip family.
func TargetConfig(fam string) (string, error) {
	f, ok := families[fam]
	if !ok {
		return "", fmt.Errorf("openocd: no target configuration for family %q", fam)
	}
	return f.cfg, nil
}

// JLinkAdapter selects one J-Link by serial number. OpenOCD (through
// libjaylink) matches the serial as a decimal number, so leading zeros of
// the USB string are dropped (facts/probes.md §5).
func JLinkAdapter(serial string) ([]string, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(serial), 10, 32)
	if err != nil {
		return nil, fmt.Errorf("openocd: J-Link serial %q is not a decimal number", serial)
	}
	return []string{"adapter driver jlink", fmt.Sprintf("adapter serial %d", n), "transport select swd"}, nil
}

// RemoteBitbangAdapter connects to a remote_bitbang JTAG server (such as
// `flashstation sim jtag-server`) on 127.0.0.1. OpenOCD 0.12 speaks only
// JTAG over it. The work area is off, so OpenOCD's flash drivers use
// host-driven accesses; the simulated cores do execute code, and
// TestOpenOCDWorkArea runs the target scripts' default work areas (the
// on-target write and CRC algorithms) against them.
func RemoteBitbangAdapter(port int) []string {
	return []string{
		"adapter driver remote_bitbang",
		"remote_bitbang host 127.0.0.1",
		fmt.Sprintf("remote_bitbang port %d", port),
		"transport select jtag",
		"set WORKAREASIZE 0",
	}
}

// RemoteBitbangPostTarget clears the target scripts' reset-start and
// reset-init event handlers, whose job on the STM32F4 is to change the
// adapter speed: remote_bitbang has none, and the attempt logs an error on
// every reset.
func RemoteBitbangPostTarget() []string {
	return []string{
		"[target current] configure -event reset-start {}",
		"[target current] configure -event reset-init {}",
	}
}

// tclWord quotes s as one Tcl word. Paths and numbers need no quoting;
// anything with spaces goes in braces; braces and backslashes are refused
// rather than escaped (the driver only passes its own temp file names).
func tclWord(s string) (string, error) {
	if s == "" {
		return "{}", nil
	}
	if strings.ContainsAny(s, "{}\\\x1a\n\r") {
		return "", fmt.Errorf("openocd: %q cannot be passed to OpenOCD as one Tcl word", s)
	}
	if strings.ContainsAny(s, " \t;$[]\"") {
		return "{" + s + "}", nil
	}
	return s, nil
}
