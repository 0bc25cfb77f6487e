package nrf52

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/flashstation/flashstation/drivers/arm"
	"github.com/flashstation/flashstation/targets"
)

// attempts bounds retries of one step that makes no progress. A target
// that answers WAIT beyond the probe's retry budget (a WAIT storm) refused
// the access: nothing happened, and the step can run again.
const attempts = 6

// abortAll: DAPABORT plus every sticky-clear bit (ADIv5.2 B2.2.1), to
// cancel a transaction left stalled and clear its errors.
const abortAll uint32 = 0x1F

// retry runs an idempotent step until it succeeds, ctx ends or attempts
// are used up.
func (s *Session) retry(ctx context.Context, what string, fn func() error) error {
	var err error
	for i := range attempts {
		if err = fn(); err == nil || ctx.Err() != nil {
			return err
		}
		targets.Logf(ctx, slog.LevelDebug, "nrf52: %s failed (attempt %d): %v", what, i+1, err)
		s.recoverDP(ctx)
	}
	return err
}

// recoverDP aborts a stalled transaction on a probe with raw DP access;
// ST-Link firmware does this itself.
func (s *Session) recoverDP(ctx context.Context) {
	if s.t.DAP == nil || s.isSTLink() {
		return
	}
	if err := s.t.DAP.WriteDP(ctx, arm.ABORT, abortAll); err != nil {
		targets.Logf(ctx, slog.LevelDebug, "nrf52: DP ABORT: %v", err)
	}
}

// writePiece writes words at a; after a failure it reads the piece back
// and carries on from the first word not yet in flash. Writing a word
// twice with the same value is within the nRF52's two writes per word.
func (s *Session) writePiece(ctx context.Context, a uint32, words []uint32) error {
	tries := 0
	for len(words) > 0 {
		err := s.t.Mem.WriteMemory32(ctx, a, words)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || tries == attempts {
			return fmt.Errorf("nrf52: program 0x%08X..0x%08X: %w", a, a+uint32(4*len(words))-1, err)
		}
		s.recoverDP(ctx)
		if err := s.waitReady(ctx, writeTimeout, "after a failed write"); err != nil {
			return err
		}
		got := make([]uint32, len(words))
		if err := s.readWords(ctx, a, got); err != nil {
			return fmt.Errorf("nrf52: read back after a failed write at 0x%08X: %w", a, err)
		}
		n := 0
		for n < len(words) && got[n] == words[n] {
			n++
		}
		targets.Logf(ctx, slog.LevelDebug, "nrf52: write at 0x%08X failed after %d of %d words: %v", a, n, len(words), err)
		if n == 0 {
			tries++
		} else {
			tries = 0
		}
		a += uint32(4 * n)
		words = words[n:]
	}
	return nil
}

// smallRead is the piece size reads fall back to after a failure: short
// enough that a run of refused accesses rarely hits one piece twice.
const smallRead = 32

// readWords reads dst from a; after a failure it reads again in small
// pieces, each retried.
func (s *Session) readWords(ctx context.Context, a uint32, dst []uint32) error {
	err := s.t.Mem.ReadMemory32(ctx, a, dst)
	if err == nil || ctx.Err() != nil {
		return err
	}
	s.recoverDP(ctx)
	for off := 0; off < len(dst); off += smallRead {
		p := dst[off:min(off+smallRead, len(dst))]
		pa := a + uint32(4*off)
		if err := s.retry(ctx, "read", func() error { return s.t.Mem.ReadMemory32(ctx, pa, p) }); err != nil {
			return err
		}
	}
	return nil
}
