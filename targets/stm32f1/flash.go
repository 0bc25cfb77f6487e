package stm32f1

import (
	"context"
	"fmt"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/facts"
	"github.com/flashstation/flashstation/targets/stm32"
)

// MassErase erases all of main flash (CR.MER).
func (s *Session) MassErase(ctx context.Context, progress targets.ProgressFunc) error {
	return ctl.Unlocked(ctx, s.T, s.refuseProtected, func() error {
		total := int64(s.V.Flash.Size)
		stm32.Report(progress, targets.PhaseErase, 0, total)
		if err := s.command(ctx, crMER, nil, eraseTimeout); err != nil {
			return err
		}
		stm32.Report(progress, targets.PhaseErase, total, total)
		return nil
	})
}

// Erase erases the pages of [addr, addr+size), which must be page-aligned.
func (s *Session) Erase(ctx context.Context, addr, size uint32, progress targets.ProgressFunc) error {
	pages, err := s.EraseRange(addr, size)
	if err != nil {
		return fmt.Errorf("stm32f1: %w", err)
	}
	return ctl.Unlocked(ctx, s.T, s.refuseProtected, func() error {
		return s.erasePages(ctx, pages, progress)
	})
}

func (s *Session) erasePages(ctx context.Context, pages []facts.Sector, progress targets.ProgressFunc) error {
	name := func(p facts.Sector) string { return fmt.Sprintf("page 0x%08X", p.Addr) }
	return stm32.EraseEach(ctx, "stm32f1", pages, name, func(p facts.Sector) error {
		a := p.Addr
		if err := s.command(ctx, crPER, &a, eraseTimeout); err != nil {
			return fmt.Errorf("%w (erasing page 0x%08X)", err, p.Addr)
		}
		return nil
	}, progress)
}

// Program writes the image, erasing exactly the pages it touches first
// unless opts.SkipErase.
func (s *Session) Program(ctx context.Context, image []targets.Segment, opts targets.ProgramOptions, progress targets.ProgressFunc) error {
	if err := s.CheckImage(image); err != nil {
		return fmt.Errorf("stm32f1: %w", err)
	}
	if !s.T.Mem16 {
		return fmt.Errorf("stm32f1: this %s (firmware %s) cannot make 16-bit memory writes, which STM32F1 flash programming needs: update the probe to V2J26 or newer, or use a CMSIS-DAP probe",
			s.T.ProbeID.Kind, s.T.ProbeID.Firmware)
	}
	segs := stm32.Align(image, s.V.ProgramUnit)
	secs, err := s.SectorsFor(segs)
	if err != nil {
		return fmt.Errorf("stm32f1: %w", err)
	}
	return ctl.Unlocked(ctx, s.T, s.refuseProtected, func() error {
		if !opts.SkipErase {
			if err := s.erasePages(ctx, secs, progress); err != nil {
				return err
			}
		}
		return ctl.Program(ctx, s.T, segs, s.stalled, progress)
	})
}

// WriteBytes programs data at addr into erased flash, padding to whole
// halfwords with 0xFF (which leaves erased bits as they are).
func (s *Session) WriteBytes(ctx context.Context, addr uint32, data []byte) error {
	img := []targets.Segment{{Addr: addr, Data: data}}
	if err := s.CheckImage(img); err != nil {
		return fmt.Errorf("stm32f1: %w", err)
	}
	if !s.T.Mem16 {
		return fmt.Errorf("stm32f1: this %s cannot make 16-bit memory writes: update its firmware to V2J26 or newer", s.T.ProbeID.Kind)
	}
	aligned := stm32.Align(img, s.V.ProgramUnit)
	if err := s.CheckErased(ctx, aligned); err != nil {
		return fmt.Errorf("%s: %w", "stm32f1", err)
	}
	return ctl.Unlocked(ctx, s.T, s.refuseProtected, func() error {
		return ctl.Program(ctx, s.T, aligned, s.stalled, nil)
	})
}
