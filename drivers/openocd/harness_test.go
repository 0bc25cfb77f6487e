package openocd

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/bitbang"
)

// requireOpenOCD finds openocd on PATH. Without it the OpenOCD checks
// cannot run: CI sets FLASHSTATION_REQUIRE_OPENOCD=1 and fails; elsewhere
// the test skips, and says so on stderr so it is not mistaken for a pass.
func requireOpenOCD(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("openocd")
	if err == nil {
		return path
	}
	msg := "OPENOCD NOT INSTALLED: the OpenOCD cross-check of the simulated STM32s did NOT run " +
		"(install it: FLASHSTATION_DEPS=openocd bash scripts/deps.sh, or apt-get install openocd)"
	if os.Getenv("FLASHSTATION_REQUIRE_OPENOCD") == "1" {
		t.Fatal(msg + "; FLASHSTATION_REQUIRE_OPENOCD=1 makes this a failure")
	}
	fmt.Fprintln(os.Stderr, "!!! "+t.Name()+": "+msg)
	t.Skip(msg)
	return ""
}

// simServer runs `sim jtag-server`'s server in-process for one chip.
func simServer(t *testing.T, cfg bitbang.ChipConfig) (*bitbang.Chip, *bitbang.Server, int) {
	t.Helper()
	chip, err := bitbang.NewChip(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := bitbang.Listen(0)
	if err != nil {
		t.Fatal(err)
	}
	srv := bitbang.NewServer(chip.Target(), slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("jtag server: %v", err)
		}
		chip.Close()
	})
	return chip, srv, ln.Addr().(*net.TCPAddr).Port
}

// testImage is a few KiB of seeded bytes: remote_bitbang is slow, and
// OpenOCD programs without a work area one halfword per round trip.
func testImage(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// timed runs f and logs how long it took, for the report.
func timed(t *testing.T, what string, f func() error) {
	t.Helper()
	start := time.Now()
	err := f()
	t.Logf("%-28s %6.2fs", what, time.Since(start).Seconds())
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// firstNot is the index of the first byte in b that is not v, or -1.
func firstNot(b []byte, v byte) int {
	for i, x := range b {
		if x != v {
			return i
		}
	}
	return -1
}
