package openocd

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/flashstation/flashstation/targets"
)

// Addresses read for identity and protection (facts/chips.md).
const (
	cpuidAddr   = 0xE000ED00
	f1OBR       = 0x4002201C // FLASH_OBR: bit 1 RDPRT
	f4OPTCR     = 0x40023C14 // FLASH_OPTCR: RDP in [15:8], 0xAA = level 0
	cpuidCloneM = 0x412FC231 // Cortex-M3 r2p1: GD32/CS32/APM32, not ST's r1p1
)

// revisions are DBGMCU REV_ID letters as ST prints them (RM0008 §31.6.1,
// RM0383 §23.6.1).
var revisions = map[uint32]map[uint32]string{
	0x410: {0x0000: "A", 0x2000: "B", 0x2001: "Z", 0x2003: "Y"},
	0x431: {0x1000: "A", 0x1001: "Z", 0x2000: "B", 0x3000: "C"},
}

// readWords reads n values of width bits at addr with read_memory.
func (s *Session) readWords(ctx context.Context, addr uint32, width, n int) ([]uint64, error) {
	out, err := s.exec(ctx, fmt.Sprintf("read_memory 0x%08X %d %d", addr, width, n))
	if err != nil {
		return nil, err
	}
	v, err := parseWords(out, width)
	if err == nil && len(v) != n {
		err = fmt.Errorf("openocd: read_memory 0x%08X gave %d values, want %d", addr, len(v), n)
	}
	return v, err
}

func (s *Session) read32(ctx context.Context, addr uint32) (uint32, error) {
	v, err := s.readWords(ctx, addr, 32, 1)
	if err != nil {
		return 0, err
	}
	return uint32(v[0]), nil
}

// Identify reads the ID registers the chip facts name.
func (s *Session) Identify(ctx context.Context) (targets.Identity, error) {
	v := s.variant
	id := targets.Identity{Family: v.Family, Part: v.Part}
	if err := s.ensureHalted(ctx); err != nil {
		return id, err
	}
	switch v.Family {
	case "stm32f1", "stm32f4":
		return s.identifySTM32(ctx, id)
	case "nrf52":
		return s.identifyNRF52(ctx, id)
	case "rp2040":
		raw, err := s.read32(ctx, v.IDReg)
		if err != nil {
			return id, fmt.Errorf("openocd: read SYSINFO CHIP_ID: %w", err)
		}
		id.DeviceID, id.RevID = raw>>12&0xFFFF, raw>>28
		id.Revision = fmt.Sprintf("B%d", id.RevID)
		id.FlashNote = "RP2040 flash size comes from the flash chip, not a register"
		return id, nil
	}
	return id, fmt.Errorf("openocd: cannot identify family %q", v.Family)
}

func (s *Session) identifySTM32(ctx context.Context, id targets.Identity) (targets.Identity, error) {
	v := s.variant
	raw, err := s.read32(ctx, v.IDReg)
	if err != nil {
		return id, fmt.Errorf("openocd: read DBGMCU_IDCODE: %w", err)
	}
	id.DeviceID, id.RevID = raw&0xFFF, raw>>16
	if l, ok := revisions[id.DeviceID][id.RevID]; ok {
		id.Revision = l
	} else {
		id.Revision = fmt.Sprintf("rev 0x%04X", id.RevID)
	}
	if size, err := s.readWords(ctx, v.FlashSizeReg, 16, 1); err != nil {
		id.FlashNote = fmt.Sprintf("flash size register 0x%08X could not be read (%v)", v.FlashSizeReg, err)
	} else if size[0] == 0 || size[0] == 0xFFFF {
		id.FlashNote = fmt.Sprintf("flash size register 0x%08X reads 0x%04X, not a size", v.FlashSizeReg, size[0])
	} else {
		id.FlashKiB = uint32(size[0])
	}
	words, err := s.readWords(ctx, v.UIDReg, 32, 3)
	if err != nil {
		return id, fmt.Errorf("openocd: read unique ID: %w", err)
	}
	uid := make([]byte, 0, 12)
	for _, w := range words {
		uid = binary.LittleEndian.AppendUint32(uid, uint32(w))
	}
	slices.Reverse(uid) // most significant byte first, as ST's tools print
	id.UID = uid
	if v.Family == "stm32f1" {
		if cpuid, err := s.read32(ctx, cpuidAddr); err == nil && cpuid == cpuidCloneM {
			id.Clone = true
		}
	}
	id.Protected, _, err = s.stm32Protection(ctx)
	if err != nil {
		return id, err
	}
	id.DPIDR = s.dpidr(ctx)
	return id, nil
}

// stm32Protection reads the loaded readout protection state.
func (s *Session) stm32Protection(ctx context.Context) (bool, string, error) {
	if s.variant.Family == "stm32f1" {
		obr, err := s.read32(ctx, f1OBR)
		if err != nil {
			return false, "", fmt.Errorf("openocd: read FLASH_OBR: %w", err)
		}
		return obr&2 != 0, fmt.Sprintf("FLASH_OBR 0x%08X", obr), nil
	}
	optcr, err := s.read32(ctx, f4OPTCR)
	if err != nil {
		return false, "", fmt.Errorf("openocd: read FLASH_OPTCR: %w", err)
	}
	return optcr>>8&0xFF != 0xAA, fmt.Sprintf("FLASH_OPTCR 0x%08X", optcr), nil
}

// dpidr reads DP register 0 through the target's DAP; 0 when the adapter
// cannot say (high-level adapters hide the DP).
func (s *Session) dpidr(ctx context.Context) uint32 {
	out, err := s.exec(ctx, "[[target current] cget -dap] dpreg 0")
	if err != nil {
		return 0
	}
	v, err := parseWords(out, 32)
	if err != nil || len(v) != 1 {
		return 0
	}
	return uint32(v[0])
}

func (s *Session) identifyNRF52(ctx context.Context, id targets.Identity) (targets.Identity, error) {
	v := s.variant
	words, err := s.readWords(ctx, v.IDReg, 32, 2)
	if err != nil {
		// APPROTECT cuts the AHB-AP off: FICR reads fail.
		id.Protected = true
		return id, fmt.Errorf("openocd: read FICR INFO (is APPROTECT on? run unlock): %w", err)
	}
	id.DeviceID = uint32(words[0])
	var variant [4]byte
	binary.BigEndian.PutUint32(variant[:], uint32(words[1]))
	id.Revision = string(variant[:])
	if kib, err := s.read32(ctx, v.FlashSizeReg); err == nil {
		id.FlashKiB = kib
	} else {
		id.FlashNote = fmt.Sprintf("FICR INFO.FLASH could not be read (%v)", err)
	}
	dev, err := s.readWords(ctx, v.UIDReg, 32, 2)
	if err != nil {
		return id, fmt.Errorf("openocd: read FICR DEVICEID: %w", err)
	}
	id.UID = binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, uint32(dev[1])), uint32(dev[0]))
	id.DPIDR = s.dpidr(ctx)
	return id, nil
}
