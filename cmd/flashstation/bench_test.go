package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/recipes/examples"
)

func TestBenchCommands(t *testing.T) {
	dir := t.TempDir()
	if err := examples.Extract(dir); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "a.db")
	blink := filepath.Join(dir, "firmware", "bluepill-blink.bin")
	pico := filepath.Join(dir, "firmware", "pico-circuitpython.uf2")
	nrf := filepath.Join(dir, "firmware", "nrf52840-bootloader.hex")
	f1 := []string{"--sim", "stlink-v2:stm32f103c8", "--chip", "stm32f103c8", "--db", db}
	recorded := 0
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		out    string // in stdout
		err    string // in stderr
		record bool   // an attempt is recorded
	}{
		{"download bin at flash base", append([]string{"download", blink, "--verify", "--reset"}, f1...), 0, "verify       pass", "", true},
		{"download to a locked chip", []string{"download", blink, "--sim", "stlink-v2:stm32f103c8+locked", "--chip", "stm32f103c8", "--db", db}, 1, "program      fail", "fail: download bluepill-blink.bin at step 2 (program)", true},
		{"download uf2 through CMSIS-DAP", []string{"download", pico, "--verify", "--sim", "cmsis-dap-v2:rp2040", "--chip", "rp2040", "--db", db}, 0, "result   PASS", "", true},
		{"download hex to nRF52840", []string{"download", nrf, "--sim", "cmsis-dap-v2:nrf52840", "--chip", "nrf52840", "--db", db}, 0, "result   PASS", "", true},
		{"wrong chip", []string{"download", blink, "--sim", "stlink-v2:stm32f411ce", "--chip", "stm32f103c8", "--db", db}, 1, "", "expected STM32F103C8 (0x410), found STM32F411", true},
		{"uf2 for another family", []string{"download", pico, "--sim", "stlink-v2:stm32f103c8", "--chip", "stm32f103c8", "--db", db}, 2, "", "is a UF2 for family 0xE48BFF56; STM32F103C8 takes family 0x5EE21072", false},
		{"base for a hex file", []string{"download", nrf, "--base", "0x1000", "--sim", "cmsis-dap-v2:nrf52840", "--chip", "nrf52840", "--db", db}, 2, "", "base", false},
		{"bin past the end of flash", append([]string{"download", blink, "--base", "0x0800F000"}, f1...), 2, "", "outside STM32F103C8 flash", false},
		{"no chip", []string{"download", blink, "--sim", "stlink-v2:stm32f103c8", "--db", db}, 2, "", "--chip VARIANT is required: one of stm32f103c8, stm32f103cb", false},
		{"unknown chip", []string{"download", blink, "--sim", "stlink-v2:stm32f103c8", "--chip", "stm32f999", "--db", db}, 2, "", `unknown chip variant "stm32f999"`, false},
		{"missing file", append([]string{"download", filepath.Join(dir, "nope.bin")}, f1...), 2, "", "nope.bin", false},
		{"erase --mass", append([]string{"erase", "--mass"}, f1...), 0, "mass-erase   pass", "", true},
		{"erase whole pages", append([]string{"erase", "0x08000400", "0x800"}, f1...), 0, "erase        pass", "", true},
		{"erase part of a page", append([]string{"erase", "0x08000400", "100"}, f1...), 2, "", "is not whole erase units", false},
		{"erase without a range", append([]string{"erase"}, f1...), 2, "", "give --mass, or ADDR LEN", false},
		{"erase bad number", append([]string{"erase", "0x08zz", "4"}, f1...), 2, "", `ADDR "0x08zz": want a number`, false},
		{"unlock", []string{"unlock", "--sim", "stlink-v2:stm32f103c8+locked", "--chip", "stm32f103c8", "--db", db}, 0, "unlock       pass", "", true},
		{"lock", append([]string{"lock"}, f1...), 0, "lock         pass", "", true},
		{"reset --halt", append([]string{"reset", "--halt"}, f1...), 0, "reset        pass", "", true},
		{"empty nest", []string{"reset", "--sim", "stlink-v2:stm32f103c8+empty", "--chip", "stm32f103c8", "--db", db}, 1, "connect      fail", "no target answers", true},
		{"speed zero", append([]string{"reset", "--speed", "0"}, f1...), 2, "", "--speed 0", false},
		{"clock alias", append([]string{"reset", "--clock", "1000"}, f1...), 0, "result   PASS", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errs, tc.err) {
				t.Errorf("exit %d (want %d)\nstdout %s\nstderr %s", code, tc.code, out, errs)
			}
			if code != 0 && strings.Count(strings.TrimSpace(errs), "\n") > 0 && !strings.Contains(errs, "  ") {
				t.Errorf("stderr is more than one line: %q", errs)
			}
		})
		if tc.record {
			recorded++
		}
	}
	store, err := jobs.Open(db, jobs.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	all, _ := store.Query(context.Background(), jobs.Filter{})
	store.Close()
	if len(all) != recorded {
		t.Errorf("store holds %d attempts, want %d (one per command that reached a board)", len(all), recorded)
	}
	for _, a := range all {
		if a.Station != "bench" || a.RecipeSHA256 == "" {
			t.Errorf("attempt %s: station %q recipe sha %q", a.ID, a.Station, a.RecipeSHA256)
		}
	}

	// --json prints the attempt record.
	code, out, errs := runCLI(t, append([]string{"download", blink, "--json"}, f1...)...)
	var a jobs.Attempt
	if code != 0 || json.Unmarshal([]byte(out), &a) != nil || a.Result != jobs.Pass || a.Recipe != "download bluepill-blink.bin" || a.UnitUID == "" {
		t.Fatalf("download --json: exit %d, %+v\nstderr %s", code, a, errs)
	}
}

func TestInfoReadChips(t *testing.T) {
	dir := t.TempDir()
	f1 := []string{"--sim", "stlink-v2:stm32f103c8", "--chip", "stm32f103c8"}
	code, out, errs := runCLI(t, append([]string{"info", "--json"}, f1...)...)
	var info infoReport
	if code != 0 || json.Unmarshal([]byte(out), &info) != nil {
		t.Fatalf("info: exit %d\n%s\n%s", code, out, errs)
	}
	if info.Part != "STM32F103C8" || info.DeviceID != 0x410 || info.Protected || info.UID == "" || info.Flash.Size != 65536 ||
		len(info.EraseUnits) != 1 || info.EraseUnits[0].Count != 64 || info.DPIDR != 0x1BA01477 {
		t.Errorf("info = %+v", info)
	}
	code, out, _ = runCLI(t, "info", "--sim", "cmsis-dap-v2:nrf52840+approtect", "--chip", "nrf52840")
	if code != 0 || !strings.Contains(out, "protection ON") || !strings.Contains(out, "UICR") {
		t.Errorf("info on a protected nRF52840: exit %d\n%s", code, out)
	}

	// DBGMCU_IDCODE (RM0008 §31.6.1): DEV_ID in bits 11:0.
	code, out, errs = runCLI(t, append([]string{"read", "0xE0042000", "4", "--json"}, f1...)...)
	var rd readReport
	if code != 0 || json.Unmarshal([]byte(out), &rd) != nil {
		t.Fatalf("read: exit %d\n%s\n%s", code, out, errs)
	}
	raw, _ := hex.DecodeString(rd.Data)
	if len(raw) != 4 || binary.LittleEndian.Uint32(raw)&0xFFF != 0x410 {
		t.Errorf("read IDCODE = %q", rd.Data)
	}
	// A hex dump, and the raw bytes into a file that is never overwritten
	// without --force.
	code, out, _ = runCLI(t, append([]string{"read", "0x08000000", "32"}, f1...)...)
	if code != 0 || !strings.HasPrefix(out, "08000000  ") || strings.Count(out, "\n") != 2 {
		t.Errorf("read dump: exit %d\n%s", code, out)
	}
	file := filepath.Join(dir, "flash.bin")
	if code, _, errs := runCLI(t, append([]string{"read", "0x08000000", "0x400", "-o", file}, f1...)...); code != 0 {
		t.Fatalf("read -o: exit %d: %s", code, errs)
	}
	if st, err := os.Stat(file); err != nil || st.Size() != 0x400 {
		t.Errorf("read -o wrote %v, %v", st, err)
	}
	if code, _, errs := runCLI(t, append([]string{"read", "0x08000000", "4", "-o", file}, f1...)...); code != 2 || !strings.Contains(errs, "--force") {
		t.Errorf("read -o over a file: exit %d: %s", code, errs)
	}
	if code, _, errs := runCLI(t, append([]string{"read", "0x08000000", "4", "-o", file, "--force"}, f1...)...); code != 0 {
		t.Errorf("read -o --force: exit %d: %s", code, errs)
	}
	// RP2040 flash reads through XIP, which the bootrom sets up first.
	if code, out, errs := runCLI(t, "read", "0x10000000", "16", "--sim", "cmsis-dap-v2:rp2040", "--chip", "rp2040"); code != 0 || !strings.HasPrefix(out, "10000000  FF FF") {
		t.Errorf("read RP2040 flash: exit %d\n%s\n%s", code, out, errs)
	}
	// Readout protection shuts the debugger out of flash.
	if code, _, errs := runCLI(t, "read", "0x08000000", "16", "--sim", "stlink-v2:stm32f103c8+locked", "--chip", "stm32f103c8"); code != 1 || errs == "" {
		t.Errorf("read locked flash: exit %d: %s", code, errs)
	}
	for _, args := range [][]string{{"read", "0x08000000"}, {"read", "0xFFFFFFFF", "2"}, {"read", "0", "0"}, {"read", "0", "0x2000000"}} {
		if code, _, _ := runCLI(t, append(args, f1...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}

	code, out, _ = runCLI(t, "chips", "--json")
	var chips struct{ Chips []chipReport }
	if code != 0 || json.Unmarshal([]byte(out), &chips) != nil || len(chips.Chips) < 5 {
		t.Fatalf("chips: exit %d\n%s", code, out)
	}
	for _, c := range chips.Chips {
		kinds := map[string]string{}
		for _, p := range c.Probes {
			kinds[p.Kind] = p.Via
		}
		if kinds["cmsis-dap-v2"] != "native" || kinds["jlink"] != "openocd" {
			t.Errorf("%s reached by %v", c.Name, kinds)
		}
		// RP2040 needs multidrop TARGETSEL, which ST-Link cannot send.
		if _, st := kinds["stlink-v2"]; st == (c.Name == "rp2040") {
			t.Errorf("%s: stlink-v2 reach %v", c.Name, kinds)
		}
	}
	if code, out, _ := runCLI(t, "chips"); code != 0 || !strings.Contains(out, "stm32f411ce  STM32F411CE") || !strings.Contains(out, "4x16 KiB 1x64 KiB 3x128 KiB") {
		t.Errorf("chips text: exit %d\n%s", code, out)
	}
}

// Ctrl-C (the context main cancels on SIGINT) ends the attempt as
// aborted, records it, and exits 130 with one line on stderr.
func TestInterruptedDownload(t *testing.T) {
	dir := t.TempDir()
	if err := examples.Extract(dir); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "a.db")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		// Realtime: programming 1.5 MiB takes modeled seconds, so the
		// cancel lands mid-step.
		done <- run(ctx, []string{"download", filepath.Join(dir, "firmware", "pico-circuitpython.uf2"), "--sim", "cmsis-dap-v2:rp2040",
			"--realtime", "--chip", "rp2040", "--db", db}, &out, &errb)
	}()
	time.Sleep(300 * time.Millisecond)
	cancel()
	code := <-done
	lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
	last := lines[len(lines)-1]
	if code != exitInterrupted || !strings.HasPrefix(last, "flashstation: interrupted: download pico-circuitpython.uf2 stopped at ") ||
		strings.Count(errb.String(), "flashstation:") != 1 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out.String(), errb.String())
	}
	store, err := jobs.Open(db, jobs.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	all, _ := store.Query(context.Background(), jobs.Filter{})
	if len(all) != 1 || all[0].Result != jobs.Aborted {
		t.Errorf("recorded %+v", all)
	}
}
