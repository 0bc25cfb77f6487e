package examples

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/flashstation/flashstation/recipes"
)

// The committed recipes and firmware are exactly what Generate makes, so
// the pins cannot drift from the files.
func TestCommittedFilesMatchGenerator(t *testing.T) {
	dir := t.TempDir()
	if err := Generate(dir); err != nil {
		t.Fatal(err)
	}
	n := 0
	err := fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		want, _ := files.ReadFile(path)
		got, err := os.ReadFile(filepath.Join(dir, path))
		if err != nil {
			t.Errorf("%s: not generated: %v", path, err)
		} else if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output: run go generate ./recipes/examples", path)
		}
		return nil
	})
	if err != nil || n != 2*len(examples) {
		t.Fatalf("walked %d files, %v", n, err)
	}
}

func TestExamplesPassRecipeCheck(t *testing.T) {
	dir := t.TempDir()
	if err := Extract(dir); err != nil {
		t.Fatal(err)
	}
	sizes := map[string]int64{"bluepill-blink.toml": 40 << 10, "blackpill-circuitpython.toml": 448 << 10,
		"nrf52840-bootloader.toml": 35964, "pico-circuitpython.toml": 768768}
	for _, name := range Names() {
		r, err := recipes.Load(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if r.Firmware.Image.Size != sizes[name] {
			t.Errorf("%s: image is %d bytes, want %d", name, r.Firmware.Image.Size, sizes[name])
		}
	}
}

func TestForChip(t *testing.T) {
	for chip, want := range map[string]string{"stm32f103c8": "bluepill-blink.toml", "STM32F103CB": "bluepill-blink.toml",
		"stm32f411ce": "blackpill-circuitpython.toml", "nrf52840": "nrf52840-bootloader.toml", "rp2040": "pico-circuitpython.toml"} {
		if got, err := ForChip(chip); err != nil || got != want {
			t.Errorf("ForChip(%s) = %q, %v", chip, got, err)
		}
	}
	if _, err := ForChip("stm32f412"); err == nil {
		t.Error("unknown chip has an example")
	}
}

func TestBootCRC(t *testing.T) {
	// CRC-32/MPEG-2 check value over "123456789" (the catalogue of CRCs).
	if got := bootCRC([]byte("123456789")); got != 0x0376E6E7 {
		t.Errorf("bootCRC = %08X, want 0376E6E7", got)
	}
}
