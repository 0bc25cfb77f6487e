package nrf52

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"

	"github.com/flashstation/flashstation/targets"
)

// Identify reads FICR: part, variant (build code), flash size and the
// 64-bit DEVICEID. On a protected chip the memory bus is closed: it then
// reports what the CTRL-AP says (Protected, DPIDR) and logs that recovery
// is needed, without an error, so a read-id step can record the state.
func (s *Session) Identify(ctx context.Context) (targets.Identity, error) {
	id := targets.Identity{Family: Family, DPIDR: s.t.DPIDR}
	protected, known, err := s.protectedByCtrlAP(ctx)
	if err != nil {
		return id, err
	}
	if protected {
		return s.protectedIdentity(ctx, id), nil
	}
	var ficr [5]uint32
	if err := s.t.Mem.ReadMemory32(ctx, ficrInfoPart, ficr[:]); err != nil {
		if !known {
			return id, fmt.Errorf("nrf52: read FICR through %s: %w; if the chip is protected (APPROTECT), "+
				"recovery needs a probe with CTRL-AP access such as a CMSIS-DAP probe", s.t.ProbeID.Kind, err)
		}
		return id, fmt.Errorf("nrf52: read FICR: %w", err)
	}
	part, variant, flashKiB := ficr[0], ficr[1], ficr[4]
	id.DeviceID = part
	id.Part = fmt.Sprintf("nRF%X", part)
	id.RevID = variant
	id.Revision = variantString(variant)
	if flashKiB == 0 || flashKiB == 0xFFFFFFFF || flashKiB > 4096 {
		id.FlashNote = fmt.Sprintf("FICR INFO.FLASH holds 0x%08X, not a size", flashKiB)
	} else {
		id.FlashKiB = flashKiB
	}
	var did [2]uint32
	if err := s.t.Mem.ReadMemory32(ctx, ficrDeviceID0, did[:]); err != nil {
		return id, fmt.Errorf("nrf52: read FICR DEVICEID: %w", err)
	}
	// DEVICEID[1] is the high word; printed most significant byte first.
	id.UID = binary.BigEndian.AppendUint64(nil, uint64(did[1])<<32|uint64(did[0]))
	if s.v != nil && part != s.v.DevID {
		targets.Logf(ctx, slog.LevelWarn, "nrf52: chip is %s, recipe targets %s", id.Part, s.v.Part)
	}
	cid := id
	s.id = &cid
	return id, nil
}

func (s *Session) protectedIdentity(ctx context.Context, id targets.Identity) targets.Identity {
	id.Protected = true
	id.FlashNote = "unreadable: APPROTECT is on"
	if s.v != nil {
		// The CTRL-AP IDR proved an nRF52; the part is the recipe's guess.
		id.Part = s.v.Part + " (protected)"
	}
	targets.Logf(ctx, slog.LevelWarn, "nrf52: chip is protected (CTRL-AP IDR 0x%08X, APPROTECTSTATUS=0): "+
		"FICR and flash are unreadable; recovery needs unlock, which erases all flash and UICR", ctrlAPIDR)
	return id
}

// variantString turns FICR INFO.VARIANT (ASCII, e.g. 0x41414430) into
// "AAD0"; other values are shown in hex.
func variantString(v uint32) string {
	b := binary.BigEndian.AppendUint32(nil, v)
	for _, c := range b {
		if c < '0' || c > 'Z' {
			return fmt.Sprintf("0x%08X", v)
		}
	}
	return string(b)
}

// newAPProtect reports whether the build code is of revision 3 or later
// ("F0" and up), whose APPROTECT is on by default and stays off only with
// UICR.APPROTECT=HwDisabled plus firmware writing APPROTECT.DISABLE.
func newAPProtect(variant uint32) bool {
	build := byte(variant >> 8) // third character: the build code letter
	return build >= 'F' && build <= 'Z'
}
