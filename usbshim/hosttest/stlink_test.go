package hosttest

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// st-info --probe on every ST-Link kind with a genuine, a clone and a
// locked Blue Pill and an F411: each probe is listed with its firmware
// version and serial, and the chip with the identity real parts report.
// A locked (RDP level 1) F103 reads the same: DBGMCU_IDCODE and the flash
// size register (system memory, 0x1FFFF7E0) stay readable to a debugger;
// only main flash is shut (RM0008 §2.5 note, PM0075 §2.4.1).
func TestSTInfoProbe(t *testing.T) {
	stinfo := require(t, "STLINK", "st-info", "stlink-tools")
	type want struct {
		version, chipid, flash string
	}
	var spec []string
	var wants []want
	for _, p := range []struct{ kind, version string }{{"stlink-v2", `V2J\d+S\d+`}, {"stlink-v21", `V2J\d+S\d+`}, {"stlink-v3", `V3J\d+(S\d+)?`}} {
		for _, c := range []struct{ chip, chipid, flash string }{
			{"stm32f103c8", "0x0410", "65536"},
			{"stm32f103c8+clone", "0x0410", "65536"},
			{"stm32f103c8+locked", "0x0410", "65536"},
			{"stm32f411ce", "0x0431", "524288"},
		} {
			spec = append(spec, p.kind+":"+c.chip)
			wants = append(wants, want{p.version, c.chipid, c.flash})
		}
	}
	s := startServer(t, strings.Join(spec, ","))
	out, err := s.run(t, time.Minute, stinfo, "--probe")
	if err != nil {
		t.Fatalf("st-info --probe: %v\n%s", err, out)
	}
	if !strings.Contains(out, fmt.Sprintf("Found %d stlink programmers", len(spec))) {
		t.Fatalf("st-info did not find %d programmers:\n%s", len(spec), out)
	}
	entries := regexp.MustCompile(`(?m)^\d+\.\n`).Split(out, -1)[1:]
	bySerial := map[string]string{}
	for _, e := range entries {
		if m := regexp.MustCompile(`serial:\s+(\S+)`).FindStringSubmatch(e); m != nil {
			bySerial[m[1]] = e
		}
	}
	for i, w := range wants {
		e, ok := bySerial[s.serial(i)]
		if !ok {
			t.Errorf("%s (serial %s) not listed:\n%s", spec[i], s.serial(i), out)
			continue
		}
		for _, re := range []string{`version:\s+` + w.version + `\n`, `chipid:\s+` + w.chipid, `flash:\s+` + w.flash + ` `} {
			if !regexp.MustCompile(re).MatchString(e) {
				t.Errorf("%s: want %q in\n%s", spec[i], re, e)
			}
		}
	}
	sec, _ := s.ev.modeled("")
	t.Logf("st-info --probe over %d probes: modeled %.3f s", len(spec), sec)
}

// st-flash read gives what the chip holds; erase leaves it blank. (st-flash
// write runs ST's flash loader on the target core, so it waits for the
// simulated cores to execute code.)
func TestSTFlashReadErase(t *testing.T) {
	stflash := require(t, "STLINK", "st-flash", "stlink-tools")
	for _, spec := range []string{"stlink-v2:stm32f103c8", "stlink-v21:stm32f411ce", "stlink-v3:stm32f103c8"} {
		t.Run(spec, func(t *testing.T) {
			s := startServer(t, spec)
			const n = 4096
			held := s.flashOf(t, 0, 0, n)
			file := writeFile(t, "x", nil)
			out, err := s.run(t, time.Minute, stflash, "--serial", s.serial(0), "read", file, "0x08000000", fmt.Sprint(n))
			if err != nil {
				t.Fatalf("st-flash read: %v\n%s", err, out)
			}
			got, err := os.ReadFile(file)
			if err != nil || !bytes.Equal(got, held) {
				t.Fatalf("st-flash read %d bytes differing from the chip's flash (%v)", len(got), err)
			}
			sec, _ := s.ev.modeled("")
			t.Logf("read %d bytes: modeled %.3f s", n, sec)
			out, err = s.run(t, time.Minute, stflash, "--serial", s.serial(0), "erase")
			if err != nil {
				t.Fatalf("st-flash erase: %v\n%s", err, out)
			}
			if blank := s.flashOf(t, 0, 0, n); !bytes.Equal(blank, bytes.Repeat([]byte{0xFF}, n)) {
				t.Errorf("flash after st-flash erase starts % x", blank[:16])
			}
			sec, _ = s.ev.modeled("")
			t.Logf("mass erase: modeled %.3f s", sec)
		})
	}
}
