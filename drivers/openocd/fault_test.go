package openocd

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/recipes"
	"github.com/flashstation/flashstation/targets/facts"
)

// What OpenOCD 0.12 prints when it cannot start, and whose fault that is.
func TestStartFailureClassified(t *testing.T) {
	for _, tc := range []struct {
		tail string
		want jobs.Result
	}{
		{"No J-Link device found", jobs.Error},
		{"unable to find a matching CMSIS-DAP device", jobs.Error},
		{"open failed", jobs.Error},
		{"libusb_open() failed with LIBUSB_ERROR_ACCESS", jobs.Error},
		{"Error connecting DP: cannot read IDR", jobs.Fail},
		{"JTAG scan chain interrogation failed: all zeroes", jobs.Fail},
		{"Could not initialize the debug port", jobs.Fail},
	} {
		err := startFailure("openocd: could not start (target/stm32f1x.cfg): "+tc.tail, tc.tail)
		if got := recipes.Classify(context.Background(), err); got != tc.want {
			t.Errorf("%q: %s, want %s", tc.tail, got, tc.want)
		}
		if !strings.Contains(err.Error(), tc.tail) {
			t.Errorf("%q: message %q lost OpenOCD's words", tc.tail, err)
		}
	}
}

// The real OpenOCD, asked for a J-Link that is not attached, fails to
// start; that is a station fault (an error, ⚠ on the tile), not the
// board's fail. So is an OpenOCD binary that is not there.
func TestNoJLinkIsStationFault(t *testing.T) {
	requireOpenOCD(t)
	v, err := facts.Lookup("stm32f103c8")
	if err != nil {
		t.Fatal(err)
	}
	args, _ := JLinkAdapter("123456")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = Start(ctx, Config{AdapterArgs: args, Variant: v, Log: slog.New(slog.DiscardHandler)})
	if err == nil || !drivers.IsStationFault(err) || errors.Is(err, drivers.ErrNoTarget) || !strings.Contains(err.Error(), "No J-Link device found") {
		t.Fatalf("no J-Link: %v (station fault %v)", err, drivers.IsStationFault(err))
	}
	if got := recipes.Classify(ctx, err); got != jobs.Error {
		t.Errorf("classified %s, want error", got)
	}
	_, err = Start(ctx, Config{Binary: "/nonexistent/openocd", AdapterArgs: args, Variant: v})
	if err == nil || !drivers.IsStationFault(err) {
		t.Errorf("missing binary: %v", err)
	}
}
