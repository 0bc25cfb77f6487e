package nrf52

import (
	"context"
	"fmt"
	"slices"

	"github.com/flashstation/flashstation/targets"
)

// skipGap: a stretch of this many all-0xFF words is left out of a run
// (the cost of a new run, a TAR write and a READY wait, is about that of
// writing a few words).
const skipGap = 8

// checkImage refuses an image that leaves flash and UICR, before anything
// touches the chip.
func (s *Session) checkImage(image []targets.Segment) ([]segment, error) {
	out := make([]segment, 0, len(image))
	for _, sg := range image {
		if len(sg.Data) == 0 {
			continue
		}
		name, ok := s.v.Programmable(sg.Addr, uint64(len(sg.Data)))
		if !ok {
			return nil, fmt.Errorf("nrf52: image bytes 0x%08X..0x%08X lie outside %s flash (0x%08X..0x%08X) and UICR; refusing to program",
				sg.Addr, uint64(sg.Addr)+uint64(len(sg.Data))-1, s.v.Part, s.v.Flash.Base, s.v.Flash.End()-1)
		}
		out = append(out, segment{addr: sg.Addr, data: sg.Data, region: name})
	}
	return out, nil
}

// Program erases the flash pages the image touches (unless the caller
// erased already) and writes the image. UICR words must be erased
// already: UICR can only be erased as a whole.
func (s *Session) Program(ctx context.Context, image []targets.Segment, opts targets.ProgramOptions, progress targets.ProgressFunc) error {
	segs, err := s.checkImage(image)
	if err != nil {
		return err
	}
	if err := s.ready(ctx); err != nil {
		return err
	}
	var pages []uint32
	for _, sg := range segs {
		if sg.region != "flash" {
			if err := s.checkUICRErased(ctx, sg); err != nil {
				return err
			}
			continue
		}
		secs, err := s.v.SectorsCovering(sg.addr, uint64(len(sg.data)))
		if err != nil {
			return fmt.Errorf("nrf52: %w", err)
		}
		for _, p := range secs {
			pages = append(pages, p.Addr)
		}
	}
	slices.Sort(pages)
	pages = slices.Compact(pages)
	if !opts.SkipErase && len(pages) > 0 {
		total := int64(len(pages)) * int64(s.v.Erase[0].Size)
		report(progress, targets.PhaseErase, 0, total)
		err := s.erasePages(ctx, pages, func(done int) {
			report(progress, targets.PhaseErase, int64(done)*int64(s.v.Erase[0].Size), total)
		})
		if err != nil {
			return err
		}
	}
	runs := wordRuns(segs, skipGap)
	var total, done int64
	for _, r := range runs {
		total += int64(r.bytes())
	}
	report(progress, targets.PhaseProgram, 0, total)
	return s.writeRuns(ctx, runs, func(n int) {
		done += int64(n)
		report(progress, targets.PhaseProgram, done, total)
	})
}

// checkUICRErased refuses UICR data over words that hold other values.
func (s *Session) checkUICRErased(ctx context.Context, sg segment) error {
	base := sg.addr &^ 3
	n := (int(sg.addr-base) + len(sg.data) + 3) / 4
	cur := make([]uint32, n)
	if err := s.t.Mem.ReadMemory32(ctx, base, cur); err != nil {
		return fmt.Errorf("nrf52: read UICR 0x%08X: %w", base, err)
	}
	want := wordRuns([]segment{sg}, n+1)
	for _, r := range want {
		for i, w := range r.words {
			have := cur[(r.addr-base)/4+uint32(i)]
			if have&w != w {
				return fmt.Errorf("nrf52: UICR word 0x%08X holds 0x%08X and cannot become 0x%08X without erasing all of UICR; "+
					"mass-erase first (or unlock)", r.addr+uint32(4*i), have, w)
			}
		}
	}
	return nil
}

func report(p targets.ProgressFunc, ph targets.Phase, done, total int64) {
	if p != nil {
		p(targets.Progress{Phase: ph, Done: done, Total: total})
	}
}

// MassErase erases all flash and UICR with NVMC ERASEALL.
func (s *Session) MassErase(ctx context.Context, progress targets.ProgressFunc) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	total := int64(s.v.Flash.Size)
	report(progress, targets.PhaseErase, 0, total)
	if err := s.eraseAll(ctx); err != nil {
		return err
	}
	report(progress, targets.PhaseErase, total, total)
	return nil
}

// Erase erases the flash pages of [addr, addr+size), which must be page
// aligned, or all of UICR when the range is exactly the UICR region.
func (s *Session) Erase(ctx context.Context, addr, size uint32, progress targets.ProgressFunc) error {
	if size == 0 {
		return nil
	}
	for _, r := range s.v.Extra {
		if r.Contains(addr, uint64(size)) {
			if addr != r.Base || size != r.Size {
				return fmt.Errorf("nrf52: %s can only be erased whole (0x%08X, %d bytes), not 0x%08X+%d",
					r.Name, r.Base, r.Size, addr, size)
			}
			if err := s.ready(ctx); err != nil {
				return err
			}
			report(progress, targets.PhaseErase, 0, int64(size))
			if err := s.eraseUICR(ctx); err != nil {
				return err
			}
			report(progress, targets.PhaseErase, int64(size), int64(size))
			return nil
		}
	}
	secs, err := s.v.SectorsCovering(addr, uint64(size))
	if err != nil {
		return fmt.Errorf("nrf52: erase refused: %w", err)
	}
	first, last := secs[0], secs[len(secs)-1]
	if first.Addr != addr || last.Addr+last.Size != addr+size {
		return fmt.Errorf("nrf52: erase 0x%08X+%d is not aligned to %d-byte pages; the pages covering it are 0x%08X..0x%08X",
			addr, size, first.Size, first.Addr, last.Addr+last.Size-1)
	}
	if err := s.ready(ctx); err != nil {
		return err
	}
	pages := make([]uint32, len(secs))
	for i, p := range secs {
		pages[i] = p.Addr
	}
	report(progress, targets.PhaseErase, 0, int64(size))
	return s.erasePages(ctx, pages, func(done int) {
		report(progress, targets.PhaseErase, int64(done)*int64(first.Size), int64(size))
	})
}
