package openocd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/flashstation/flashstation/targets"
)

// ensureHalted halts the core at the reset vector once per session (and
// after a reset that let it run): OpenOCD's flash drivers want it halted,
// and a reset halt also gets past firmware that sleeps or remaps pins.
func (s *Session) ensureHalted(ctx context.Context) error {
	if s.halted {
		return nil
	}
	if _, err := s.exec(ctx, "reset halt"); err != nil {
		return err
	}
	s.halted = true
	return nil
}

func report(p targets.ProgressFunc, phase targets.Phase, done, total int64) {
	if p != nil {
		p(targets.Progress{Phase: phase, Done: done, Total: total})
	}
}

// Unlock removes readout protection, which mass-erases the chip.
func (s *Session) Unlock(ctx context.Context, progress targets.ProgressFunc) error {
	total := int64(s.variant.Flash.Size)
	report(progress, targets.PhaseUnlock, 0, total)
	if err := s.ensureHalted(ctx); err != nil {
		return err
	}
	switch s.variant.Family {
	case "stm32f1", "stm32f4":
		if err := s.unlockSTM32(ctx); err != nil {
			return err
		}
	case "nrf52":
		s.halted = false // nrf52_recover resets the chip
		if _, err := s.exec(ctx, "nrf52_recover"); err != nil {
			return err
		}
	case "rp2040":
		targets.Logf(ctx, slog.LevelInfo, "RP2040 has no readout protection: unlock is a mass erase")
		if err := s.MassErase(ctx, nil); err != nil {
			return err
		}
	}
	report(progress, targets.PhaseUnlock, total, total)
	return nil
}

func (s *Session) unlockSTM32(ctx context.Context) error {
	prot, detail, err := s.stm32Protection(ctx)
	if err != nil {
		return err
	}
	if !prot {
		// Lowering RDP is what mass-erases; an unprotected chip would keep
		// its flash, and Unlock promises an erased chip.
		targets.Logf(ctx, slog.LevelInfo, "readout protection already off (%s): mass-erasing instead", detail)
		return s.MassErase(ctx, nil)
	}
	cmd := s.fam.driver + " unlock 0"
	out, err := s.exec(ctx, cmd)
	if err != nil {
		return err
	}
	if strings.Contains(out, "failed") && s.variant.Family == "stm32f1" {
		// With no work area OpenOCD's stm32f1x writes the option bytes from
		// the host and allows 5 polls after each; the RDP write starts the
		// mass erase (PM0075 §2.4.1), which takes longer. After a reset the
		// chip is unprotected, and a second unlock (no mass erase now)
		// writes the remaining option bytes.
		targets.Logf(ctx, slog.LevelWarn, "first unlock reported %q; resetting and unlocking again", oneLine(out))
		if _, err := s.exec(ctx, "reset halt"); err != nil {
			return err
		}
		if out, err = s.exec(ctx, cmd); err != nil {
			return err
		}
	}
	if strings.Contains(out, "failed") || !strings.Contains(out, "unlocked") {
		return fmt.Errorf("openocd: %s: %s", cmd, oneLine(out))
	}
	// New option bytes load at reset only.
	if _, err := s.exec(ctx, "reset halt"); err != nil {
		return err
	}
	prot, detail, err = s.stm32Protection(ctx)
	if err != nil {
		return err
	}
	if prot {
		return fmt.Errorf("openocd: readout protection still on after unlock and reset (%s)", detail)
	}
	targets.Logf(ctx, slog.LevelInfo, "readout protection off (%s)", detail)
	return nil
}

// MassErase erases all of flash.
func (s *Session) MassErase(ctx context.Context, progress targets.ProgressFunc) error {
	total := int64(s.variant.Flash.Size)
	report(progress, targets.PhaseErase, 0, total)
	if err := s.ensureHalted(ctx); err != nil {
		return err
	}
	var cmd string
	switch s.variant.Family {
	case "stm32f1", "stm32f4":
		cmd = s.fam.driver + " mass_erase 0"
	case "nrf52":
		cmd = "nrf5 mass_erase"
	default:
		cmd = "flash erase_sector 0 0 last"
	}
	out, err := s.exec(ctx, cmd)
	if err != nil {
		return err
	}
	if strings.Contains(out, "failed") {
		return fmt.Errorf("openocd: %s: %s", cmd, oneLine(out))
	}
	report(progress, targets.PhaseErase, total, total)
	return nil
}

// Erase erases the sectors covering [addr, addr+size), which must be
// aligned to them.
func (s *Session) Erase(ctx context.Context, addr, size uint32, progress targets.ProgressFunc) error {
	secs, err := s.variant.SectorsCovering(addr, uint64(size))
	if err != nil {
		return fmt.Errorf("openocd: %w", err)
	}
	if len(secs) == 0 {
		return nil
	}
	last := secs[len(secs)-1]
	if secs[0].Addr != addr || last.Addr+last.Size != addr+size {
		return fmt.Errorf("openocd: erase 0x%08X+0x%X is not aligned to %s sectors (0x%08X..0x%08X)",
			addr, size, s.variant.Part, secs[0].Addr, last.Addr+last.Size)
	}
	report(progress, targets.PhaseErase, 0, int64(size))
	if err := s.ensureHalted(ctx); err != nil {
		return err
	}
	if _, err := s.exec(ctx, fmt.Sprintf("flash erase_address 0x%08X 0x%X", addr, size)); err != nil {
		return err
	}
	report(progress, targets.PhaseErase, int64(size), int64(size))
	return nil
}

// Program writes the image; unless opts.SkipErase, OpenOCD erases exactly
// the sectors the image touches first.
func (s *Session) Program(ctx context.Context, image []targets.Segment, opts targets.ProgramOptions, progress targets.ProgressFunc) error {
	if err := s.checkPlacement(image); err != nil {
		return err
	}
	total := imageSize(image)
	file, err := s.writeImage("program", image)
	if err != nil {
		return err
	}
	report(progress, targets.PhaseProgram, 0, total)
	if err := s.ensureHalted(ctx); err != nil {
		return err
	}
	erase := "erase "
	if opts.SkipErase {
		erase = ""
	}
	if _, err := s.exec(ctx, "flash write_image "+erase+file); err != nil {
		return err
	}
	report(progress, targets.PhaseProgram, total, total)
	return nil
}

func (s *Session) checkPlacement(image []targets.Segment) error {
	for _, seg := range image {
		if _, ok := s.variant.Programmable(seg.Addr, uint64(len(seg.Data))); !ok {
			return fmt.Errorf("openocd: image bytes 0x%08X..0x%08X lie outside %s flash",
				seg.Addr, uint64(seg.Addr)+uint64(len(seg.Data))-1, s.variant.Part)
		}
	}
	return nil
}

// Verify compares flash with the image; a difference is a
// *targets.VerifyError.
func (s *Session) Verify(ctx context.Context, image []targets.Segment, progress targets.ProgressFunc) error {
	total := imageSize(image)
	file, err := s.writeImage("verify", image)
	if err != nil {
		return err
	}
	report(progress, targets.PhaseVerify, 0, total)
	if err := s.ensureHalted(ctx); err != nil {
		return err
	}
	out, err := s.exec(ctx, "verify_image "+file)
	if err != nil {
		diffs, capped := parseDiffs(out)
		if len(diffs) == 0 {
			return err
		}
		return s.verifyError(ctx, image, diffs, capped)
	}
	report(progress, targets.PhaseVerify, total, total)
	return nil
}

// verifyError builds the VerifyError from OpenOCD's difference list; when
// OpenOCD stopped listing at 128, the image is read back to count all.
func (s *Session) verifyError(ctx context.Context, image []targets.Segment, diffs []diff, capped bool) error {
	first := diffs[0]
	ve := &targets.VerifyError{Addr: first.Addr, Mismatch: len(diffs)}
	for _, d := range diffs {
		if d.Addr != first.Addr+uint32(len(ve.Got)) || len(ve.Got) == 8 {
			break
		}
		ve.Got, ve.Want = append(ve.Got, d.Got), append(ve.Want, d.Want)
	}
	if capped {
		n, err := s.countDiffs(ctx, image)
		if err != nil {
			targets.Logf(ctx, slog.LevelWarn, "more than %d bytes differ; counting them all failed: %v", len(diffs), err)
		} else {
			ve.Mismatch = n
		}
	}
	return ve
}

func (s *Session) countDiffs(ctx context.Context, image []targets.Segment) (int, error) {
	n := 0
	for _, seg := range image {
		for off := 0; off < len(seg.Data); off += 1024 {
			chunk := seg.Data[off:min(off+1024, len(seg.Data))]
			got, err := s.readWords(ctx, seg.Addr+uint32(off), 8, len(chunk))
			if err != nil {
				return 0, err
			}
			for i, b := range chunk {
				if byte(got[i]) != b {
					n++
				}
			}
		}
	}
	return n, nil
}

// WriteBytes programs data into erased flash at addr.
func (s *Session) WriteBytes(ctx context.Context, addr uint32, data []byte) error {
	seg := []targets.Segment{{Addr: addr, Data: data}}
	if err := s.checkPlacement(seg); err != nil {
		return err
	}
	file, err := s.writeImage("bytes", seg)
	if err != nil {
		return err
	}
	if err := s.ensureHalted(ctx); err != nil {
		return err
	}
	_, err = s.exec(ctx, "flash write_image "+file)
	return err
}

// Lock turns readout protection on, resets so it loads, and reads it back.
func (s *Session) Lock(ctx context.Context) (targets.ProtectionState, error) {
	if err := s.ensureHalted(ctx); err != nil {
		return targets.ProtectionState{}, err
	}
	switch s.variant.Family {
	case "stm32f1", "stm32f4":
		cmd := s.fam.driver + " lock 0"
		out, err := s.exec(ctx, cmd)
		if err != nil {
			return targets.ProtectionState{}, err
		}
		if strings.Contains(out, "failed") || !strings.Contains(out, "locked") {
			return targets.ProtectionState{}, fmt.Errorf("openocd: %s: %s", cmd, oneLine(out))
		}
		if _, err := s.exec(ctx, "reset halt"); err != nil {
			return targets.ProtectionState{}, err
		}
		prot, detail, err := s.stm32Protection(ctx)
		if err != nil {
			return targets.ProtectionState{}, err
		}
		ps := targets.ProtectionState{Protected: prot, Level: "none", Detail: detail}
		if prot {
			ps.Level = "RDP level 1"
		}
		return ps, nil
	case "nrf52":
		// UICR APPROTECT = 0x00 enables protection at the next reset.
		if _, err := s.exec(ctx, "flash fillw 0x10001208 0x00000000 1"); err != nil {
			return targets.ProtectionState{}, err
		}
		s.halted = false
		if _, err := s.exec(ctx, "reset run"); err != nil {
			return targets.ProtectionState{}, err
		}
		// CTRL-AP APPROTECTSTATUS (AP 1, register 0x0C): 0 = protected.
		out, err := s.exec(ctx, "[[target current] cget -dap] apreg 1 0x0c")
		if err != nil {
			return targets.ProtectionState{}, err
		}
		v, err := parseWords(out, 32)
		if err != nil || len(v) != 1 {
			return targets.ProtectionState{}, fmt.Errorf("openocd: APPROTECTSTATUS reads %q", out)
		}
		ps := targets.ProtectionState{Protected: v[0]&1 == 0, Level: "none", Detail: fmt.Sprintf("APPROTECTSTATUS 0x%X", v[0])}
		if ps.Protected {
			ps.Level = "APPROTECT"
		}
		return ps, nil
	}
	return targets.ProtectionState{}, errors.New("openocd: RP2040 has no readout protection to turn on")
}

// Reset resets the chip; halt stops it at the reset vector.
func (s *Session) Reset(ctx context.Context, halt bool) error {
	if halt {
		s.halted = false
		return s.ensureHalted(ctx)
	}
	s.halted = false
	_, err := s.exec(ctx, "reset run")
	return err
}
