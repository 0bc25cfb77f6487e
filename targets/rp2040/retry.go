package rp2040

import (
	"context"
	"errors"

	"github.com/flashstation/flashstation/drivers/cmsisdap"
)

// coreRetries: core and ROM accesses refused with WAIT past the probe's
// own retries are tried this many times more. Every access wrapped so is
// idempotent: a core register write (DCRSR/DCRDR), a DHCSR write of run
// or halt, a read. Without it one WAIT storm abandons a bootrom call
// half-way (finish would halt the core mid-erase).
const coreRetries = 4

func retryWait(ctx context.Context, op func() error) error {
	err := op()
	for i := 0; i < coreRetries && err != nil && errors.Is(err, cmsisdap.ErrWait) && ctx.Err() == nil; i++ {
		err = op()
	}
	return err
}

// Staging writes refused with WAIT are sent again in pieces of
// stagePieceRetry bytes, each up to stageRetries times: writing the same
// bytes to SRAM twice is harmless, and a 64 KiB write through a WAIT
// storm almost never gets through whole.
const (
	stagePieceRetry = 64
	stageRetries    = 8
)

// stage writes data to SRAM at addr.
func (s *Session) stage(ctx context.Context, addr uint32, data []byte) error {
	err := s.t.WriteBytes(ctx, addr, data)
	if err == nil || !errors.Is(err, cmsisdap.ErrWait) {
		return err
	}
	for off := 0; off < len(data); off += stagePieceRetry {
		p := data[off:min(off+stagePieceRetry, len(data))]
		err = s.t.WriteBytes(ctx, addr+uint32(off), p)
		for try := 0; try < stageRetries && err != nil && errors.Is(err, cmsisdap.ErrWait) && ctx.Err() == nil; try++ {
			err = s.t.WriteBytes(ctx, addr+uint32(off), p)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
