package openocd

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/bitbang"
	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/facts"
)

// TestOpenOCDWorkArea runs OpenOCD with the target scripts' default work
// areas against the simulated chips, whose cores execute code: its
// stm32f1x / stm32f2x on-target write algorithms program the flash and
// verify_image runs its CRC32 algorithm on the target, which must agree
// with OpenOCD's own CRC of the image ("checksum mismatch" otherwise). The
// unlocked chips run the same image with `WORKAREASIZE 0` too, and the
// modeled seconds of both paths are logged side by side.
func TestOpenOCDWorkArea(t *testing.T) {
	bin := requireOpenOCD(t)
	for _, tc := range []struct {
		variant, driver string
		sectors         string // erase_sector's first and last for the image
		locked, compare bool
	}{
		{"stm32f103c8", "stm32f1x", "0 3", false, true},
		{"stm32f103c8", "stm32f1x", "0 3", true, false},
		{"stm32f411ce", "stm32f2x", "0 0", false, true},
		{"stm32f411ce", "stm32f2x", "0 0", true, false},
	} {
		name := tc.variant
		if tc.locked {
			name += "+locked"
		}
		t.Run(name, func(t *testing.T) {
			img := testImage(11, 4096)
			file := filepath.Join(t.TempDir(), "image.bin")
			if err := os.WriteFile(file, img, 0o600); err != nil {
				t.Fatal(err)
			}
			wa := flashWith(t, bin, tc.variant, tc.driver, tc.sectors, tc.locked, true, file, img)
			if !tc.compare {
				return
			}
			no := flashWith(t, bin, tc.variant, tc.driver, tc.sectors, tc.locked, false, file, img)
			t.Logf("modeled seconds, work area vs WORKAREASIZE 0: write_image %.4f vs %.4f, verify_image %.4f vs %.4f",
				wa.write.Seconds(), no.write.Seconds(), wa.verify.Seconds(), no.verify.Seconds())
			if wa.write >= no.write {
				t.Errorf("the on-target write algorithm (%v) is not faster than host-driven writes (%v)", wa.write, no.write)
			}
		})
	}
}

type flashTimes struct{ write, verify time.Duration }

// flashWith erases, programs and verifies img through one OpenOCD
// session, with the default work area or none, and returns the modeled
// time write_image and verify_image took.
func flashWith(t *testing.T, bin, variant, driver, sectors string, locked, workArea bool, file string, img []byte) flashTimes {
	t.Helper()
	chip, _, port := simServer(t, bitbang.ChipConfig{Variant: variant, Locked: locked, Seed: 5})
	v, err := facts.Lookup(variant)
	if err != nil {
		t.Fatal(err)
	}
	adapter := RemoteBitbangAdapter(port)
	if workArea {
		adapter = slicesWithout(adapter, "set WORKAREASIZE 0")
	}
	var mu sync.Mutex
	var lines []string
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ctx = targets.WithLog(ctx, func(_ slog.Level, msg string) {
		mu.Lock()
		lines = append(lines, msg)
		mu.Unlock()
	})
	s, err := Start(ctx, Config{Binary: bin, AdapterArgs: adapter, PostTarget: RemoteBitbangPostTarget(), Variant: v})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	run := func(cmd string) (string, time.Duration, uint64) {
		t.Helper()
		start, insns := chip.Clock.Now(), chip.Retired()
		out, err := s.exec(ctx, cmd)
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		return out, chip.Clock.Now() - start, chip.Retired() - insns
	}
	run("reset halt")
	if locked {
		out, _, _ := run(driver + " unlock 0")
		if !strings.Contains(out, "unlocked") || strings.Contains(out, "failed") {
			t.Fatalf("unlock: %q", out)
		}
		run("reset halt")
		if chip.Locked() {
			t.Fatal("still locked after unlock and reset")
		}
	}
	run("flash erase_sector 0 " + sectors)
	run("reset halt") // a halted core with the flash the erase left
	_, write, wInsns := run(fmt.Sprintf("flash write_image %s 0x08000000", file))
	_, verify, vInsns := run(fmt.Sprintf("verify_image %s 0x08000000", file))
	mode := "work area"
	if !workArea {
		mode = "WORKAREASIZE 0"
	}
	t.Logf("%s: write_image %v modeled (%d instructions on the target), verify_image %v (%d)", mode, write, wInsns, verify, vInsns)
	if !bytes.Equal(chip.Flash()[:len(img)], img) {
		t.Fatal("simulated flash differs from the image")
	}
	mu.Lock()
	defer mu.Unlock()
	for _, l := range lines {
		if !workArea {
			break // "no working area available ... falling back" is this path
		}
		for _, bad := range []string{"checksum mismatch", "falling back", "no working area", "timed out", "error"} {
			if strings.Contains(strings.ToLower(l), bad) {
				t.Errorf("%s: OpenOCD said %q", mode, l)
			}
		}
	}
	switch {
	case workArea && (wInsns < uint64(len(img)/2) || vInsns < uint64(len(img))):
		// Without the engine OpenOCD falls back to host-driven writes and
		// a host-side CRC over read-back memory, silently for the CRC.
		t.Errorf("the algorithms did not run on the target: %d instructions writing, %d verifying %d bytes", wInsns, vInsns, len(img))
	case !workArea && wInsns+vInsns != 0:
		t.Errorf("%d instructions ran on the target without a work area", wInsns+vInsns)
	}
	return flashTimes{write, verify}
}

func slicesWithout(in []string, drop string) []string {
	var out []string
	for _, s := range in {
		if s != drop {
			out = append(out, s)
		}
	}
	return out
}
