package stm32f4

import (
	"context"
	"errors"
	"fmt"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/access"
	"github.com/flashstation/flashstation/targets/facts"
	"github.com/flashstation/flashstation/targets/stm32"
)

// MassErase erases all sectors (CR.MER), up to 8 s on the F411.
func (s *Session) MassErase(ctx context.Context, progress targets.ProgressFunc) (err error) {
	if err := s.refuseProtected(ctx); err != nil {
		return err
	}
	end, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, end()) }()
	total := int64(s.V.Flash.Size)
	stm32.Report(progress, targets.PhaseErase, 0, total)
	if err := s.command(ctx, crMER|crPSIZE32, massTimeout); err != nil {
		return err
	}
	stm32.Report(progress, targets.PhaseErase, total, total)
	return nil
}

// Erase erases the sectors of [addr, addr+size), which must be
// sector-aligned.
func (s *Session) Erase(ctx context.Context, addr, size uint32, progress targets.ProgressFunc) (err error) {
	secs, err := s.EraseRange(addr, size)
	if err != nil {
		return fmt.Errorf("stm32f4: %w", err)
	}
	if err := s.refuseProtected(ctx); err != nil {
		return err
	}
	end, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, end()) }()
	return s.eraseSectors(ctx, secs, progress)
}

func (s *Session) eraseSectors(ctx context.Context, secs []facts.Sector, progress targets.ProgressFunc) error {
	var total, done int64
	for _, x := range secs {
		total += int64(x.Size)
	}
	stm32.Report(progress, targets.PhaseErase, 0, total)
	for _, x := range secs {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("stm32f4: erase stopped before sector %d: %w", x.Index, err)
		}
		if err := s.command(ctx, crSER|uint32(x.Index)<<crSNBShft|crPSIZE32, sectorTimeout); err != nil {
			return fmt.Errorf("%w (erasing sector %d at 0x%08X)", err, x.Index, x.Addr)
		}
		done += int64(x.Size)
		stm32.Report(progress, targets.PhaseErase, done, total)
	}
	return nil
}

// Program writes the image, erasing exactly the sectors it touches first
// unless opts.SkipErase.
func (s *Session) Program(ctx context.Context, image []targets.Segment, opts targets.ProgramOptions, progress targets.ProgressFunc) (err error) {
	if err := s.CheckImage(image); err != nil {
		return fmt.Errorf("stm32f4: %w", err)
	}
	segs := stm32.Align(image, s.V.ProgramUnit)
	secs, err := s.SectorsFor(segs)
	if err != nil {
		return fmt.Errorf("stm32f4: %w", err)
	}
	if err := s.refuseProtected(ctx); err != nil {
		return err
	}
	end, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, end()) }()
	if !opts.SkipErase {
		if err := s.eraseSectors(ctx, secs, progress); err != nil {
			return err
		}
	}
	return s.program(ctx, segs, progress)
}

// program writes word-aligned segments into erased flash.
func (s *Session) program(ctx context.Context, segs []stm32.Segment, progress targets.ProgressFunc) error {
	var total, done int64
	for _, sg := range segs {
		total += int64(len(sg.Data))
	}
	stm32.Report(progress, targets.PhaseProgram, 0, total)
	stall := s.stalled(ctx)
	if err := s.T.Write32(ctx, regCR, crPG|crPSIZE32); err != nil {
		return fmt.Errorf("stm32f4: set FLASH_CR.PG: %w", err)
	}
	for _, sg := range segs {
		base := done
		err := s.T.WritePolled(ctx, access.Stream{
			Addr: sg.Addr, Data: sg.Data, Width: 4, SkipErased: true, Stalled: stall,
			Wait:     access.Status{Addr: regSR, Mask: srBSY, Want: 0, Errors: srErrors, Clear: srErrors | srEOP, UnitTimeout: wordTimeout, ErasedFiller: 0xFF},
			Progress: func(n int) { stm32.Report(progress, targets.PhaseProgram, base+int64(n), total) },
		})
		if err != nil {
			return statusError(err)
		}
		done += int64(len(sg.Data))
	}
	if err := s.T.Write32(ctx, regCR, 0); err != nil {
		return fmt.Errorf("stm32f4: clear FLASH_CR.PG: %w", err)
	}
	return nil
}

// WriteBytes programs data at addr into erased flash, padding to whole
// words with 0xFF.
func (s *Session) WriteBytes(ctx context.Context, addr uint32, data []byte) (err error) {
	img := []targets.Segment{{Addr: addr, Data: data}}
	if err := s.CheckImage(img); err != nil {
		return fmt.Errorf("stm32f4: %w", err)
	}
	if err := s.refuseProtected(ctx); err != nil {
		return err
	}
	end, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, end()) }()
	return s.program(ctx, stm32.Align(img, s.V.ProgramUnit), nil)
}
