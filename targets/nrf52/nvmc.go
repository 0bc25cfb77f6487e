package nrf52

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// waitReady waits for NVMC READY. A busy NVMC may stall the bus: the probe
// retries the SWD WAITs and the poll carries on.
// timeout is on the probe's clock, checked between reads (never a
// context deadline that would cancel a transfer part-way).
func (s *Session) waitReady(ctx context.Context, timeout time.Duration, what string) error {
	dl := s.t.Deadline(timeout)
	for {
		_, err := s.t.WaitFor(ctx, nvmcReady, 1, 1, timeout)
		if err == nil {
			return nil
		}
		// A refused read (WAIT beyond the probe's retries) is no answer
		// yet; only the deadline ends the wait.
		if ctx.Err() != nil || dl.Passed() {
			return fmt.Errorf("nrf52: NVMC never became ready %s: %w", what, err)
		}
		s.recoverDP(ctx)
	}
}

// withConfig runs fn with NVMC CONFIG set to mode and always puts CONFIG
// back to read-only, even when ctx was cancelled: a cancelled operation
// stops between NVMC steps and leaves the controller idle and locked.
func (s *Session) withConfig(ctx context.Context, mode uint32, fn func() error) error {
	if err := s.waitReady(ctx, eraseAllTimeout, "before configuring it"); err != nil {
		return err
	}
	if err := s.write32(ctx, nvmcConfig, mode); err != nil {
		return fmt.Errorf("nrf52: NVMC CONFIG=%d: %w", mode, err)
	}
	ferr := fn()
	// The cleanup must run even when ctx is done, bounded on its own.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), eraseAllTimeout)
	defer cancel()
	werr := s.waitReady(cctx, eraseAllTimeout, "after the last operation")
	cerr := s.write32(cctx, nvmcConfig, configRead)
	if cerr != nil {
		cerr = fmt.Errorf("nrf52: NVMC CONFIG back to read-only: %w", cerr)
	}
	if ferr != nil {
		return errors.Join(ferr, werr, cerr)
	}
	return errors.Join(werr, cerr)
}

// erasePages erases 4 KiB flash pages one by one.
func (s *Session) erasePages(ctx context.Context, pages []uint32, progress func(done int)) error {
	return s.withConfig(ctx, configErase, func() error {
		for i, a := range pages {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("nrf52: erase stopped before page 0x%08X: %w", a, err)
			}
			if err := s.write32(ctx, nvmcErasePage, a); err != nil {
				return fmt.Errorf("nrf52: erase page 0x%08X: %w", a, err)
			}
			if err := s.waitReady(ctx, pageEraseTimeout, fmt.Sprintf("erasing page 0x%08X", a)); err != nil {
				return err
			}
			if progress != nil {
				progress(i + 1)
			}
		}
		return nil
	})
}

// eraseAll runs NVMC ERASEALL: all flash and UICR.
func (s *Session) eraseAll(ctx context.Context) error {
	return s.withConfig(ctx, configErase, func() error {
		if err := s.write32(ctx, nvmcEraseAll, 1); err != nil {
			return fmt.Errorf("nrf52: NVMC ERASEALL: %w", err)
		}
		// Not cancellable half way: the erase runs on regardless.
		wctx := context.WithoutCancel(ctx)
		return s.waitReady(wctx, eraseAllTimeout, "during ERASEALL")
	})
}

// eraseUICR runs NVMC ERASEUICR.
func (s *Session) eraseUICR(ctx context.Context) error {
	return s.withConfig(ctx, configErase, func() error {
		if err := s.write32(ctx, nvmcEraseUICR, 1); err != nil {
			return fmt.Errorf("nrf52: NVMC ERASEUICR: %w", err)
		}
		return s.waitReady(context.WithoutCancel(ctx), pageEraseTimeout, "during ERASEUICR")
	})
}

// run is words to write from addr on.
type run struct {
	addr  uint32
	words []uint32
}

func (r run) bytes() int { return 4 * len(r.words) }

// writeRuns programs runs under CONFIG=WEN. Each piece of up to writeRun
// bytes is one memory write (the bus stalls each word until the NVMC takes
// it); READY is awaited after each piece so a failure is pinned to it.
func (s *Session) writeRuns(ctx context.Context, runs []run, progress func(n int)) error {
	return s.withConfig(ctx, configWrite, func() error {
		for _, r := range runs {
			for off := 0; off < len(r.words); {
				a := r.addr + uint32(4*off)
				n := min(len(r.words)-off, int(writeRun-a%writeRun)/4)
				if err := ctx.Err(); err != nil {
					return fmt.Errorf("nrf52: programming stopped before 0x%08X: %w", a, err)
				}
				if err := s.writePiece(ctx, a, r.words[off:off+n]); err != nil {
					return err
				}
				if err := s.waitReady(ctx, writeTimeout, fmt.Sprintf("after writing 0x%08X", a)); err != nil {
					return err
				}
				off += n
				if progress != nil {
					progress(4 * n)
				}
			}
		}
		return nil
	})
}

// wordRuns turns segments into runs of words, filling the bytes of a
// word that the image leaves out with 0xFF (no change in flash), and
// leaving out stretches of all-0xFF words longer than skipGap.
func wordRuns(segs []segment, skipGap int) []run {
	var out []run
	for _, sg := range segs {
		base := sg.addr &^ 3
		end := (uint64(sg.addr) + uint64(len(sg.data)) + 3) &^ 3
		buf := make([]byte, int(end-uint64(base)))
		for i := range buf {
			buf[i] = 0xFF
		}
		copy(buf[sg.addr-base:], sg.data)
		words := make([]uint32, len(buf)/4)
		for i := range words {
			words[i] = binary.LittleEndian.Uint32(buf[4*i:])
		}
		start, blank := -1, 0
		flush := func(upto int) {
			if start >= 0 {
				out = append(out, run{addr: base + uint32(4*start), words: words[start:upto]})
				start = -1
			}
		}
		for i, w := range words {
			if w == 0xFFFFFFFF {
				blank++
				if blank == skipGap {
					flush(i - skipGap + 1)
				}
				continue
			}
			if start < 0 {
				start = i
			}
			blank = 0
		}
		if start >= 0 {
			// Trailing 0xFF words of the run need not be written.
			flush(len(words) - min(blank, len(words)-start))
		}
	}
	return out
}

// segment is an image segment checked against the variant.
type segment struct {
	addr   uint32
	data   []byte
	region string // "flash" or "UICR"
}

// write32 writes a register, again after a refused access.
func (s *Session) write32(ctx context.Context, addr, v uint32) error {
	return s.retry(ctx, fmt.Sprintf("write 0x%08X", addr), func() error { return s.t.Write32(ctx, addr, v) })
}
