package stm32f1

import (
	"context"
	"errors"
	"fmt"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/access"
	"github.com/flashstation/flashstation/targets/stm32"
)

// MassErase erases all of main flash (CR.MER).
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
	if err := s.command(ctx, crMER, nil, eraseTimeout); err != nil {
		return err
	}
	stm32.Report(progress, targets.PhaseErase, total, total)
	return nil
}

// Erase erases the pages of [addr, addr+size), which must be page-aligned.
func (s *Session) Erase(ctx context.Context, addr, size uint32, progress targets.ProgressFunc) (err error) {
	pages, err := s.EraseRange(addr, size)
	if err != nil {
		return fmt.Errorf("stm32f1: %w", err)
	}
	if err := s.refuseProtected(ctx); err != nil {
		return err
	}
	end, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, end()) }()
	return s.erasePages(ctx, pagesOf(pages), progress)
}

type page struct{ addr, size uint32 }

func (s *Session) erasePages(ctx context.Context, pages []page, progress targets.ProgressFunc) error {
	var total, done int64
	for _, p := range pages {
		total += int64(p.size)
	}
	stm32.Report(progress, targets.PhaseErase, 0, total)
	for _, p := range pages {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("stm32f1: erase stopped before page 0x%08X: %w", p.addr, err)
		}
		a := p.addr
		if err := s.command(ctx, crPER, &a, eraseTimeout); err != nil {
			return fmt.Errorf("%w (erasing page 0x%08X)", err, p.addr)
		}
		done += int64(p.size)
		stm32.Report(progress, targets.PhaseErase, done, total)
	}
	return nil
}

// Program writes the image, erasing exactly the pages it touches first
// unless opts.SkipErase.
func (s *Session) Program(ctx context.Context, image []targets.Segment, opts targets.ProgramOptions, progress targets.ProgressFunc) (err error) {
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
	if err := s.refuseProtected(ctx); err != nil {
		return err
	}
	end, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, end()) }()
	if !opts.SkipErase {
		if err := s.erasePages(ctx, pagesOf(secs), progress); err != nil {
			return err
		}
	}
	return s.program(ctx, segs, progress)
}

// program writes halfword-aligned segments into erased flash; the FPEC
// is unlocked.
func (s *Session) program(ctx context.Context, segs []stm32.Segment, progress targets.ProgressFunc) error {
	var total, done int64
	for _, sg := range segs {
		total += int64(len(sg.Data))
	}
	stm32.Report(progress, targets.PhaseProgram, 0, total)
	stall := s.stalled(ctx)
	if err := s.T.Write32(ctx, regCR, crPG); err != nil {
		return fmt.Errorf("stm32f1: set FLASH_CR.PG: %w", err)
	}
	for _, sg := range segs {
		base := done
		err := s.T.WritePolled(ctx, access.Stream{
			Addr: sg.Addr, Data: sg.Data, Width: 2, SkipErased: true, Stalled: stall,
			// SR is read as a halfword on the batched path: BSY and the
			// error flags all sit in its low half.
			Wait: access.Status{Addr: regSR, Mask: srBSY, Want: 0, Errors: srErrors, Clear: srErrors | srEOP,
				// A halfword written twice (a write that landed although the
				// probe reported it failed) raises PGERR and keeps its value
				// (RM0008 §3.3.3): the read-back decides.
				Redundant: srPGERR, ErasedFiller: 0xFF},
			Progress: func(n int) { stm32.Report(progress, targets.PhaseProgram, base+int64(n), total) },
		})
		if err != nil {
			return s.statusError(err)
		}
		done += int64(len(sg.Data))
	}
	if err := s.T.Write32(ctx, regCR, 0); err != nil {
		return fmt.Errorf("stm32f1: clear FLASH_CR.PG: %w", err)
	}
	return nil
}

// WriteBytes programs data at addr into erased flash, padding to whole
// halfwords with 0xFF (which leaves erased bits as they are).
func (s *Session) WriteBytes(ctx context.Context, addr uint32, data []byte) (err error) {
	img := []targets.Segment{{Addr: addr, Data: data}}
	if err := s.CheckImage(img); err != nil {
		return fmt.Errorf("stm32f1: %w", err)
	}
	if !s.T.Mem16 {
		return fmt.Errorf("stm32f1: this %s cannot make 16-bit memory writes: update its firmware to V2J26 or newer", s.T.ProbeID.Kind)
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
