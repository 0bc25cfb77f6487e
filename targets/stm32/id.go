package stm32

import (
	"context"
	"fmt"
	"slices"

	"github.com/flashstation/flashstation/targets/access"
)

// Debug registers every STM32 and Cortex-M has at the same place.
const (
	DBGMCUIDCode uint32 = 0xE0042000
	DBGMCUCR     uint32 = 0xE0042004
	CPUIDAddr    uint32 = 0xE000ED00
)

// Known device IDs, for messages naming what was found.
var devNames = map[uint32]string{
	0x410: "STM32F103 (medium density)",
	0x412: "STM32F10x low density",
	0x414: "STM32F10x high density",
	0x418: "STM32F105/107",
	0x430: "STM32F10x XL density",
	0x413: "STM32F405/407",
	0x419: "STM32F42x/43x",
	0x423: "STM32F401xB/C",
	0x431: "STM32F411",
	0x433: "STM32F401xD/E",
}

// DevName names a DEV_ID for messages.
func DevName(dev uint32) string {
	if n, ok := devNames[dev]; ok {
		return n
	}
	return "an unknown device"
}

// revisions maps DEV_ID → REV_ID → letter, from the reference manuals'
// DBGMCU_IDCODE descriptions.
var revisions = map[uint32]map[uint32]string{
	// RM0008 §31.6.1, medium density.
	0x410: {0x0000: "A", 0x2000: "B", 0x2001: "Z", 0x2003: "Y"},
	// RM0383 §23.6.1.
	0x431: {0x1000: "A", 0x1001: "Z"},
}

// IDCode is DBGMCU_IDCODE taken apart.
type IDCode struct {
	Raw, Dev, Rev uint32
}

// ParseIDCode splits DBGMCU_IDCODE.
func ParseIDCode(v uint32) IDCode { return IDCode{Raw: v, Dev: v & 0xFFF, Rev: v >> 16} }

// Letter is the revision as ST prints it, and whether the manual lists it.
func (c IDCode) Letter() (string, bool) {
	if l, ok := revisions[c.Dev][c.Rev]; ok {
		return l, true
	}
	return fmt.Sprintf("rev 0x%04X", c.Rev), false
}

// ReadIDCode reads DBGMCU_IDCODE (debugger-readable only, RM0008 §31.6.1).
func ReadIDCode(ctx context.Context, t *access.Target) (IDCode, error) {
	v, err := t.Read32(ctx, DBGMCUIDCode)
	if err != nil {
		return IDCode{}, fmt.Errorf("stm32: read DBGMCU_IDCODE: %w", err)
	}
	return ParseIDCode(v), nil
}

// CheckDevice refuses a chip that is not the one the recipe names.
func CheckDevice(part string, want uint32, got IDCode) error {
	if got.Dev == want {
		return nil
	}
	if got.Raw == 0 || got.Raw == 0xFFFFFFFF {
		return fmt.Errorf("stm32: expected %s (0x%03X), but DBGMCU_IDCODE reads 0x%08X: is the chip powered and seated?", part, want, got.Raw)
	}
	return fmt.Errorf("stm32: expected %s (0x%03X), found %s (0x%03X): wrong board in this slot or wrong recipe", part, want, DevName(got.Dev), got.Dev)
}

// ReadUID reads the 96-bit unique ID at addr and returns it most
// significant byte first (the word at addr+8 first), as ST's tools print.
func ReadUID(ctx context.Context, t *access.Target, addr uint32) ([]byte, error) {
	b := make([]byte, 12)
	if err := t.ReadBytes(ctx, addr, b); err != nil {
		return nil, fmt.Errorf("stm32: read unique ID at 0x%08X: %w", addr, err)
	}
	slices.Reverse(b)
	return b, nil
}

// ReadFlashSize reads the u16 KiB flash size register. A failed read or
// an impossible value (0, 0xFFFF: blank or protected system memory on
// some parts) gives 0 and a note saying so; nothing is guessed.
func ReadFlashSize(ctx context.Context, t *access.Target, addr uint32) (kib uint32, note string) {
	v, err := t.Read16(ctx, addr)
	switch {
	case err != nil:
		return 0, fmt.Sprintf("flash size register 0x%08X could not be read (%v)", addr, err)
	case v == 0 || v == 0xFFFF:
		return 0, fmt.Sprintf("flash size register 0x%08X reads 0x%04X, not a size", addr, v)
	}
	return uint32(v), ""
}

// CPUID values of the cores involved (ARMv7-M B3.2.3).
const (
	CPUIDSTM32F103 uint32 = 0x411FC231 // Cortex-M3 r1p1, ST silicon
	CPUIDCloneM3   uint32 = 0x412FC231 // Cortex-M3 r2p1: GD32, CS32, APM32
	partnoMask     uint32 = 0xFF00FFF0 // implementer, architecture, part number
)

// CloneSignals lists why an F103-compatible chip is not ST silicon; empty
// for a genuine part.
func CloneSignals(cpuid uint32, id IDCode, dpidr, wantDPIDR uint32) []string {
	var s []string
	if cpuid != CPUIDSTM32F103 {
		s = append(s, fmt.Sprintf("CPUID 0x%08X (ST's STM32F103 is 0x%08X)", cpuid, CPUIDSTM32F103))
	}
	if _, ok := id.Letter(); !ok {
		s = append(s, fmt.Sprintf("REV_ID 0x%04X not in ST's list", id.Rev))
	}
	if dpidr != 0 && dpidr != wantDPIDR {
		s = append(s, fmt.Sprintf("DPIDR 0x%08X (ST's is 0x%08X)", dpidr, wantDPIDR))
	}
	return s
}

// SameCore reports whether two CPUIDs name the same core part (any
// revision).
func SameCore(a, b uint32) bool { return a&partnoMask == b&partnoMask }
