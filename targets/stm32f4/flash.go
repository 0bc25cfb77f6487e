package stm32f4

import (
	"context"
	"fmt"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/facts"
	"github.com/flashstation/flashstation/targets/stm32"
)

// MassErase erases all sectors (CR.MER), up to 8 s on the F411.
func (s *Session) MassErase(ctx context.Context, progress targets.ProgressFunc) error {
	return ctl.Unlocked(ctx, s.T, s.refuseProtected, func() error {
		total := int64(s.V.Flash.Size)
		stm32.Report(progress, targets.PhaseErase, 0, total)
		if err := s.command(ctx, crMER|crPSIZE32, massTimeout); err != nil {
			return err
		}
		stm32.Report(progress, targets.PhaseErase, total, total)
		return nil
	})
}

// Erase erases the sectors of [addr, addr+size), which must be
// sector-aligned.
func (s *Session) Erase(ctx context.Context, addr, size uint32, progress targets.ProgressFunc) error {
	secs, err := s.EraseRange(addr, size)
	if err != nil {
		return fmt.Errorf("stm32f4: %w", err)
	}
	return ctl.Unlocked(ctx, s.T, s.refuseProtected, func() error {
		return s.eraseSectors(ctx, secs, progress)
	})
}

func (s *Session) eraseSectors(ctx context.Context, secs []facts.Sector, progress targets.ProgressFunc) error {
	name := func(x facts.Sector) string { return fmt.Sprintf("sector %d", x.Index) }
	return stm32.EraseEach(ctx, "stm32f4", secs, name, func(x facts.Sector) error {
		if err := s.command(ctx, crSER|uint32(x.Index)<<crSNBShft|crPSIZE32, sectorTimeout); err != nil {
			return fmt.Errorf("%w (erasing sector %d at 0x%08X)", err, x.Index, x.Addr)
		}
		return nil
	}, progress)
}

// Program writes the image, erasing exactly the sectors it touches first
// unless opts.SkipErase.
func (s *Session) Program(ctx context.Context, image []targets.Segment, opts targets.ProgramOptions, progress targets.ProgressFunc) error {
	if err := s.CheckImage(image); err != nil {
		return fmt.Errorf("stm32f4: %w", err)
	}
	segs := stm32.Align(image, s.V.ProgramUnit)
	secs, err := s.SectorsFor(segs)
	if err != nil {
		return fmt.Errorf("stm32f4: %w", err)
	}
	return ctl.Unlocked(ctx, s.T, s.refuseProtected, func() error {
		if !opts.SkipErase {
			if err := s.eraseSectors(ctx, secs, progress); err != nil {
				return err
			}
		}
		return ctl.Program(ctx, s.T, segs, s.stalled, progress)
	})
}

// WriteBytes programs data at addr into erased flash, padding to whole
// words with 0xFF.
func (s *Session) WriteBytes(ctx context.Context, addr uint32, data []byte) error {
	img := []targets.Segment{{Addr: addr, Data: data}}
	if err := s.CheckImage(img); err != nil {
		return fmt.Errorf("stm32f4: %w", err)
	}
	aligned := stm32.Align(img, s.V.ProgramUnit)
	if err := s.CheckErased(ctx, aligned); err != nil {
		return fmt.Errorf("%s: %w", "stm32f4", err)
	}
	return ctl.Unlocked(ctx, s.T, s.refuseProtected, func() error {
		return ctl.Program(ctx, s.T, aligned, s.stalled, nil)
	})
}
