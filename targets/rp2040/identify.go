package rp2040

import (
	"context"
	"errors"
	"fmt"

	"github.com/flashstation/flashstation/targets"
)

// Identify reads SYSINFO CHIP_ID and the bootrom version, then the flash's
// JEDEC id (size) and 64-bit unique id (command 0x4B, 4 dummy bytes)
// through the SSI with the chip select forced by IO_QSPI. XIP is back on
// afterwards.
func (s *Session) Identify(ctx context.Context) (id targets.Identity, err error) {
	id = targets.Identity{Family: Family, DPIDR: s.t.DPIDR}
	chip, err := s.t.Read32(ctx, sysinfoChipID)
	if err != nil {
		return id, fmt.Errorf("rp2040: read SYSINFO CHIP_ID: %w", err)
	}
	id.DeviceID = chip >> 12 & 0xFFFF
	id.RevID = chip >> 28
	id.Part = "RP2040"
	var rom [1]byte
	if err := s.t.ReadBytes(ctx, romMagic+3, rom[:]); err != nil {
		return id, fmt.Errorf("rp2040: read the bootrom version: %w", err)
	}
	id.Revision = map[byte]string{1: "B0", 2: "B1", 3: "B2"}[rom[0]]
	if id.Revision == "" {
		id.Revision = fmt.Sprintf("bootrom v%d", rom[0])
	}
	if err := s.enterRaw(ctx); err != nil {
		return id, err
	}
	defer func() { err = errors.Join(err, s.leaveRaw(ctx)) }()
	jedec, err := s.spiCommand(ctx, []byte{cmdJEDEC, 0, 0, 0})
	if err != nil {
		return id, err
	}
	switch c := jedec[3]; {
	case c >= 0x10 && c <= 0x1F:
		s.flashSize = 1 << c
		id.FlashKiB = s.flashSize / 1024
	default:
		id.FlashNote = fmt.Sprintf("flash JEDEC id %02X %02X %02X gives no size", jedec[1], jedec[2], jedec[3])
	}
	uid, err := s.spiCommand(ctx, []byte{cmdUniqueID, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	if err != nil {
		return id, err
	}
	id.UID = uid[5:]
	if id.DeviceID != s.v.DevID {
		return id, fmt.Errorf("%w: CHIP_ID part 0x%04X", ErrWrongChip, id.DeviceID)
	}
	return id, nil
}

// ready proves once that the flash is big enough for the variant.
func (s *Session) ready(ctx context.Context) error {
	if s.checked {
		return nil
	}
	id, err := s.Identify(ctx)
	if err != nil {
		return err
	}
	if id.FlashKiB != 0 && id.FlashKiB*1024 < s.v.Flash.Size {
		return fmt.Errorf("%w: the board's flash is %d KiB, %s expects %d KiB",
			ErrWrongChip, id.FlashKiB, s.v.Part, s.v.Flash.Size/1024)
	}
	s.checked = true
	return nil
}
