package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/flashstation/flashstation/recipes"
	"github.com/flashstation/flashstation/recipes/examples"
)

// flashTiming is a chip's datasheet-typical program and erase times, the
// physics no probe or loader can beat (shared/facts/performance.md):
// STM32F103 DS5319 Table 28, STM32F411 DS10314 Table 45 (x32, 2.7–3.6 V),
// nRF52840 PS v1.11 (max figures: it gives no typical; ERASEALL
// UNCONFIRMED), W25Q16JV datasheet (the Pico's NOR).
type flashTiming struct {
	unit      uint32             // bytes per program operation
	program   float64            // seconds per program operation
	erase     map[uint32]float64 // erase unit size → seconds
	massErase float64            // seconds to erase everything
}

var timings = map[string]flashTiming{
	"stm32f103c8": {2, 52.5e-6, map[uint32]float64{1024: 20e-3}, 20e-3},
	"stm32f411ce": {4, 16e-6, map[uint32]float64{16 << 10: 0.25, 64 << 10: 0.55, 128 << 10: 1.0}, 4},
	"nrf52840":    {4, 41e-6, map[uint32]float64{4096: 85e-3}, 0.17},
	// 64 KiB block erases (150 ms) and 256-byte pages (0.4 ms).
	"rp2040": {256, 0.4e-3, map[uint32]float64{64 << 10: 0.15}, 5},
}

// floorSeconds is the least time an attempt of r can take on probe: the
// chip's erase (the cheaper of erasing the units the image touches and a
// mass erase) plus programming every byte, or the probe's link carrying the
// image once (SWD at 4 MHz ≈ 340 KiB/s; CMSIS-DAP v1 HID ≈ 56 KB/s, one
// 64-byte report per 1 ms frame), whichever is longer.
func floorSeconds(tb testing.TB, r *recipes.Recipe, probe string) float64 {
	v := r.Target.Facts
	tm, ok := timings[v.Name]
	if !ok {
		tb.Fatalf("no flash timings for %s", v.Name)
	}
	var size int64
	units := map[uint32]uint32{} // erase unit address → size
	var rp2040Span int64
	for _, im := range r.Images {
		for _, s := range im.Image.Segments {
			size += int64(len(s.Data))
			if v.Name == "rp2040" { // the NOR is not in the variant's erase map
				rp2040Span += int64(len(s.Data))
				continue
			}
			if !v.Flash.Contains(s.Address, uint64(len(s.Data))) {
				continue // UICR: erased with everything, programmed like flash
			}
			secs, err := v.SectorsCovering(s.Address, uint64(len(s.Data)))
			if err != nil {
				tb.Fatal(err)
			}
			for _, sec := range secs {
				units[sec.Addr] = sec.Size
			}
		}
	}
	erase := 0.0
	for _, sz := range units {
		erase += tm.erase[sz]
	}
	if rp2040Span > 0 {
		erase = float64((rp2040Span+(64<<10)-1)/(64<<10)) * tm.erase[64<<10]
	}
	erase = min(erase, tm.massErase)
	ops := (size + int64(tm.unit) - 1) / int64(tm.unit)
	chip := erase + float64(ops)*tm.program
	link := float64(size) / (340 << 10)
	if probe == "cmsis-dap-v1" {
		link = float64(size) / 56e3
	}
	return max(chip, link)
}

// BenchmarkExampleRecipes runs every example recipe on every probe kind
// that reaches its chip (genuine and clone Blue Pill), through the same
// command line a user runs (flash --sim --json), and reports the attempt's
// modeled seconds, the physical floor and their ratio:
//
//	go test -run - -bench ExampleRecipes -benchtime 1x ./cmd/flashstation
func BenchmarkExampleRecipes(b *testing.B) {
	dir := b.TempDir()
	if err := examples.Extract(dir); err != nil {
		b.Fatal(err)
	}
	boards := []struct {
		name, recipe, chip string
		probes             []string
	}{
		{"bluepill", "bluepill-blink.toml", "stm32f103c8", allProbes},
		{"bluepill-clone", "bluepill-blink.toml", "stm32f103c8+clone", allProbes},
		{"blackpill-circuitpython", "blackpill-circuitpython.toml", "stm32f411ce", allProbes},
		{"nrf52840-bootloader", "nrf52840-bootloader.toml", "nrf52840", allProbes},
		{"pico-circuitpython", "pico-circuitpython.toml", "rp2040", []string{"cmsis-dap-v1", "cmsis-dap-v2"}},
	}
	for _, bd := range boards {
		path := filepath.Join(dir, bd.recipe)
		r, err := recipes.Load(path)
		if err != nil {
			b.Fatal(err)
		}
		for _, probe := range bd.probes {
			b.Run(bd.name+"/"+probe, func(b *testing.B) {
				floor := floorSeconds(b, r, probe)
				db := filepath.Join(b.TempDir(), "a.db")
				total := 0.0
				for range b.N {
					total += modeledAttempt(b, path, probe+":"+bd.chip, db)
				}
				m := total / float64(b.N)
				b.ReportMetric(m, "modeled-s")
				b.ReportMetric(floor, "floor-s")
				b.ReportMetric(m/floor, "x-floor")
			})
		}
	}
}

var allProbes = []string{"cmsis-dap-v1", "cmsis-dap-v2", "stlink-v2", "stlink-v3"}

// modeledAttempt flashes once and returns the attempt's modeled seconds.
func modeledAttempt(tb testing.TB, recipe, spec, db string) float64 {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"flash", "--json", "--recipe", recipe, "--sim", spec, "--db", db}, &out, &errb); code != 0 {
		tb.Fatalf("%s: exit %d: %s", spec, code, errb.String())
	}
	var got struct {
		Result  string         `json:"result"`
		Modeled *modeledReport `json:"modeled"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || got.Modeled == nil || got.Result != "pass" {
		tb.Fatalf("%s: %v: %s", spec, err, out.String())
	}
	return got.Modeled.Seconds
}

// The floor of the Blue Pill's 40 KiB: 40 page erases (0.8 s) lose to a
// 20 ms mass erase, plus 20480 halfwords at 52.5 µs (1.075 s); the link
// carries 40 KiB in 0.118 s (SWD) or 0.731 s (HID), so the chip sets it.
func TestFloorSeconds(t *testing.T) {
	dir := t.TempDir()
	if err := examples.Extract(dir); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		recipe, probe string
		want          float64
	}{
		{"bluepill-blink.toml", "stlink-v2", 0.02 + 20480*52.5e-6},
		{"bluepill-blink.toml", "cmsis-dap-v1", 0.02 + 20480*52.5e-6},
		// 448 KiB: sectors 0–7 (4.55 s) lose to the 4 s mass erase; the
		// HID link needs 8.19 s, more than the chip's 5.84 s.
		{"blackpill-circuitpython.toml", "cmsis-dap-v2", 4 + 114688*16e-6},
		{"blackpill-circuitpython.toml", "cmsis-dap-v1", float64(448<<10) / 56e3},
		// 768768 bytes: 12 blocks of 64 KiB and 3003 pages.
		{"pico-circuitpython.toml", "cmsis-dap-v2", 12*0.15 + 3003*0.4e-3},
		// 35964 bytes with UICR words: ERASEALL and 8991 words at 41 µs.
		{"nrf52840-bootloader.toml", "stlink-v3", 0.17 + 8991*41e-6},
	}
	for _, tc := range cases {
		r, err := recipes.Load(filepath.Join(dir, tc.recipe))
		if err != nil {
			t.Fatal(err)
		}
		if got := floorSeconds(t, r, tc.probe); got < tc.want-1e-9 || got > tc.want+1e-9 {
			t.Errorf("%s on %s: floor %.4f s, want %.4f s", tc.recipe, tc.probe, got, tc.want)
		}
	}
}
