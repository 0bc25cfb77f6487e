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
	for _, tc := range []struct {
		name, spec string
		code       int
		out, err   string
	}{
		{"locked blue pill", "stlink-v2:stm32f103c8+locked", 0, "result   PASS", ""},
		{"wrong chip", "stlink-v2:stm32f411ce", 1, "connect      fail", "expected STM32F103C8 (0x410), found STM32F411 (0x431)"},
		{"empty nest", "cmsis-dap-v2:stm32f103c8+empty", 1, "connect      fail", "no target answers: is a board seated"},
		{"two probes", "2*stlink-v2:stm32f103c8", 2, "", "2 probes are attached; choose one with --probe"},
		{"bad spec", "stlink-v2:stm32f412", 2, "", `unknown chip "stm32f412"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(ctx, []string{"flash", "--recipe", recipe, "--sim", tc.spec, "--db", db}, &out, &errb)
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
	store, err := jobs.Open(db, jobs.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	all, _ := store.Query(ctx, jobs.Filter{})
	if len(all) != 4 {
		t.Errorf("store holds %d attempts, want 4 (pass, two connect failures, pico)", len(all))
	}
	if code := run(ctx, []string{"flash", "--sim", "stlink-v2:stm32f103c8"}, &out, &errb); code != 2 {
		t.Errorf("no --recipe: exit %d", code)
	}
}
