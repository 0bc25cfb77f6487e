package examples

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"text/template"

	"github.com/flashstation/flashstation/recipes/firmware"
)

//go:generate go run ./internal/gen

// example is one recipe and the firmware made for it.
type example struct {
	recipe   string // file name of the recipe
	fwFile   string // firmware file name under firmware/
	chips    []string
	make     func() ([]byte, error) // the firmware file's bytes
	base     *uint32                // for .bin
	template string
}

var examples = []example{
	{recipe: "bluepill-blink.toml", fwFile: "bluepill-blink.bin", chips: []string{"stm32f103c8", "stm32f103cb"},
		make: bluepill, base: u32(0x08000000), template: bluepillRecipe},
	{recipe: "blackpill-circuitpython.toml", fwFile: "blackpill-circuitpython.bin", chips: []string{"stm32f411ce"},
		make: blackpill, base: u32(0x08000000), template: blackpillRecipe},
	{recipe: "nrf52840-bootloader.toml", fwFile: "nrf52840-bootloader.hex", chips: []string{"nrf52840"},
		make: nrfBootloader, template: nrfRecipe},
	{recipe: "pico-circuitpython.toml", fwFile: "pico-circuitpython.uf2", chips: []string{"rp2040"},
		make: picoUF2, template: picoRecipe},
}

func u32(v uint32) *uint32 { return &v }

// code makes n bytes that look like Thumb code to a compressor (not all
// random, not all repeated), from a fixed seed so output is stable.
func code(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 0x5EED))
	out := make([]byte, n)
	for i := 0; i < n; i += 2 {
		// Common Thumb-2 opcodes recur; operands vary.
		ops := [...]uint16{0x4770, 0xB580, 0xBD80, 0x6800, 0x6008, 0x2000, 0xF000, 0x4B00, 0x4618, 0xE7FE}
		v := ops[r.IntN(len(ops))] | uint16(r.IntN(64))
		if i+1 < n {
			binary.LittleEndian.PutUint16(out[i:], v)
		} else {
			out[i] = byte(v)
		}
	}
	return out
}

// vectors writes a Cortex-M vector table: initial SP, then handlers in the
// image (Thumb bit set).
func vectors(dst []byte, sp, base uint32, n int) {
	binary.LittleEndian.PutUint32(dst, sp)
	for i := 1; i < n; i++ {
		binary.LittleEndian.PutUint32(dst[4*i:], base+0x200+uint32(i)*8|1)
	}
}

// bluepill: a 40 KiB application at the start of a 64 KiB STM32F103C8.
func bluepill() ([]byte, error) {
	img := code(103, 40<<10)
	vectors(img, 0x20005000, 0x08000000, 76)
	return img, nil
}

// blackpill: CircuitPython's stm32f411ce_blackpill firmware.bin layout: the
// ISR sector, then the 48 KiB CIRCUITPY filesystem sectors 1-3 written as
// zeros (flashing the .bin wipes the filesystem), then the firmware from
// sector 4 on; 448 KiB in all.
func blackpill() ([]byte, error) {
	img := make([]byte, 448<<10)
	copy(img, code(411, 16<<10))
	vectors(img, 0x20020000, 0x08000000, 102)
	copy(img[64<<10:], code(4111, 384<<10))
	return img, nil
}

// nrfBootloader: an Adafruit UF2 bootloader-style .hex — the MBR at 0,
// the bootloader at 0xF4000, and the UICR words that point the MBR at it
// (NRFFW[0] bootloader address, NRFFW[1] MBR parameter page); 35,956 bytes
// of flash data as the 0.7.1 release has.
func nrfBootloader() ([]byte, error) {
	mbr := code(52840, 2816)
	vectors(mbr, 0x20000400, 0, 16)
	boot := code(52841, 35956-2816)
	vectors(boot, 0x20040000, 0xF4000, 64)
	uicr := make([]byte, 8)
	binary.LittleEndian.PutUint32(uicr, 0x000F4000)
	binary.LittleEndian.PutUint32(uicr[4:], 0x000FE000)
	img := &firmware.Image{Segments: []firmware.Segment{
		{Address: 0, Data: mbr}, {Address: 0xF4000, Data: boot}, {Address: 0x10001014, Data: uicr}}}
	for _, s := range img.Segments {
		img.Size += int64(len(s.Data))
	}
	return firmware.EncodeHex(img), nil
}

// picoUF2: a CircuitPython raspberry_pi_pico-sized UF2 (768,768 bytes at
// 0x10000000), whose first 256 bytes are a boot2 stage with the CRC32 the
// bootrom checks, so a simulated Pico boots it.
func picoUF2() ([]byte, error) {
	data := code(2040, 768768)
	boot2 := data[:256]
	binary.LittleEndian.PutUint32(boot2[252:], bootCRC(boot2[:252]))
	img := &firmware.Image{Segments: []firmware.Segment{{Address: 0x10000000, Data: data}}, Size: int64(len(data))}
	return firmware.EncodeUF2(img, 0xE48BFF56, 256)
}

// bootCRC is the CRC-32/MPEG-2 the RP2040 bootrom checks over boot2
// (poly 0x04C11DB7, init 0xFFFFFFFF, no reflection, no final xor).
func bootCRC(b []byte) uint32 {
	crc := uint32(0xFFFFFFFF)
	for _, v := range b {
		crc ^= uint32(v) << 24
		for range 8 {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04C11DB7
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// Generate writes every example's firmware and recipe into dir.
func Generate(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "firmware"), 0o755); err != nil {
		return err
	}
	for _, ex := range examples {
		data, err := ex.make()
		if err != nil {
			return fmt.Errorf("examples: %s: %w", ex.fwFile, err)
		}
		img, err := firmware.Parse(ex.fwFile, data, firmware.Options{Base: ex.base})
		if err != nil {
			return fmt.Errorf("examples: %s does not load: %w", ex.fwFile, err)
		}
		if err := os.WriteFile(filepath.Join(dir, "firmware", ex.fwFile), data, 0o644); err != nil {
			return err
		}
		var buf bytes.Buffer
		t := template.Must(template.New(ex.recipe).Parse(ex.template))
		if err := t.Execute(&buf, map[string]string{"SHA256": hex.EncodeToString(img.SHA256[:]), "File": "firmware/" + ex.fwFile}); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, ex.recipe), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
