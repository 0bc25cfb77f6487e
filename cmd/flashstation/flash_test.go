package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/recipes/examples"
)

func TestFlashSimulated(t *testing.T) {
	dir := t.TempDir()
	if err := examples.Extract(dir); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "a.db")
	recipe := filepath.Join(dir, "bluepill-blink.toml")
	ctx := context.Background()
	// Refusals come before the attempt: the store count below checks none
	// is recorded.
	for _, tc := range []struct {
		name, spec string
		code       int
		out, err   string
		extra      []string
	}{
		{"locked blue pill", "stlink-v2:stm32f103c8+locked", 0, "result   PASS", "", nil},
		{"wrong chip", "stlink-v2:stm32f411ce", 1, "connect      fail", "expected STM32F103C8 (0x410), found STM32F411 (0x431)", nil},
		{"empty nest", "cmsis-dap-v2:stm32f103c8+empty", 1, "connect      fail", "no target answers: is a board seated", nil},
		{"two probes", "2*stlink-v2:stm32f103c8", 2, "", "2 probes are attached; choose one with --probe", nil},
		{"bad spec", "stlink-v2:stm32f412", 2, "", `unknown chip "stm32f412"`, nil},
		// J-Link defaults to OpenOCD, which cannot reach a simulated probe,
		// and has no native driver.
		{"simulated J-Link", "jlink:stm32f103c8", 2, "", "--sim: the J-Link at usb:1-1.1 cannot be flashed: --sim probes are simulated in this process", nil},
		{"simulated J-Link, native", "jlink:stm32f103c8", 2, "", "the J-Link at usb:1-1.1 cannot be flashed", []string{"--driver", "native"}},
		{"simulated J-Link, openocd", "jlink:stm32f103c8", 2, "", "--driver openocd with --sim: --sim probes", []string{"--driver", "openocd"}},
		{"openocd with --sim", "stlink-v2:stm32f103c8", 2, "", "--driver openocd with --sim: --sim probes are simulated in this process; OpenOCD", []string{"--driver", "openocd"}},
		{"J-Link not chosen", "jlink:stm32f103c8,cmsis-dap-v2:stm32f103c8+empty", 1, "connect      fail", "no target answers", []string{"--probe", "usb:1-1.2"}},
		// --speed as probe-rs names it; --clock, the old name, is the same flag.
		{"clock 0", "stlink-v2:stm32f103c8", 2, "", "--speed 0: want a positive SWD clock in kHz", []string{"--clock", "0"}},
		{"speed 0", "stlink-v2:stm32f103c8", 2, "", "--speed 0: want a positive SWD clock in kHz", []string{"--speed", "0"}},
		{"negative clock", "stlink-v2:stm32f103c8", 2, "", `invalid argument "-1" for "--speed" flag`, []string{"--clock", "-1"}},
		{"clock past 32 bits in Hz", "stlink-v2:stm32f103c8", 2, "", "--speed 4294968: want a positive SWD clock in kHz, at most 4294967", []string{"--speed", "4294968"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append([]string{"flash", "--recipe", recipe, "--sim", tc.spec, "--db", db}, tc.extra...)
			code := run(ctx, args, &out, &errb)
			if code != tc.code || !strings.Contains(out.String(), tc.out) || !strings.Contains(errb.String(), tc.err) {
				t.Errorf("exit %d (want %d)\nstdout %s\nstderr %s", code, tc.code, out.String(), errb.String())
			}
		})
	}
	// --json prints the record; the store holds every attempt made above.
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"flash", "--json", "--recipe", filepath.Join(dir, "pico-circuitpython.toml"), "--sim", "cmsis-dap-v2:rp2040", "--db", db}, &out, &errb); code != 0 {
		t.Fatalf("pico: exit %d: %s", code, errb.String())
	}
	var a jobs.Attempt
	if err := json.Unmarshal(out.Bytes(), &a); err != nil || a.Result != jobs.Pass || a.UnitUID == "" {
		t.Fatalf("json attempt = %+v, %v", a, err)
	}
	// The nRF52840 bootloader flow on a revision 3 (AAF0) chip, whose
	// debug port closes again at every reset.
	out.Reset()
	errb.Reset()
	if code := run(ctx, []string{"flash", "--recipe", filepath.Join(dir, "nrf52840-bootloader.toml"), "--sim", "cmsis-dap-v2:nrf52840+approtect+rev3", "--db", db}, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "result   PASS") {
		t.Fatalf("nRF52840 rev3: exit %d\nstdout %s\nstderr %s", code, out.String(), errb.String())
	}
	store, err := jobs.Open(db, jobs.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	all, _ := store.Query(ctx, jobs.Filter{})
	if len(all) != 6 {
		t.Errorf("store holds %d attempts, want 6 (pass, three connect failures, pico, nRF52840 rev3)", len(all))
	}
	if code := run(ctx, []string{"flash", "--sim", "stlink-v2:stm32f103c8"}, &out, &errb); code != 2 {
		t.Errorf("no --recipe: exit %d", code)
	}
	errb.Reset()
	if code := run(ctx, []string{"flash", "--recipe", recipe, "--realtime", "--db", db}, &out, &errb); code != 2 ||
		!strings.Contains(errb.String(), "--realtime needs --sim") {
		t.Errorf("--realtime without --sim: exit %d, stderr %s", code, errb.String())
	}
}
