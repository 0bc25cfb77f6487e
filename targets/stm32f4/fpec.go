package stm32f4

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flashstation/flashstation/targets/access"
	"github.com/flashstation/flashstation/targets/stm32"
)

// begin halts the core, waits for an idle controller, clears old flags
// and unlocks CR. The returned func locks CR again and must be deferred;
// it works after ctx has been cancelled.
func (s *Session) begin(ctx context.Context) (end func() error, err error) {
	if err := s.T.Core.Halt(ctx); err != nil {
		return nil, fmt.Errorf("stm32f4: halt core before flash work: %w", err)
	}
	if _, err := s.T.WaitFor(ctx, regSR, srBSY, 0, sectorTimeout); err != nil {
		return nil, fmt.Errorf("stm32f4: flash controller busy before starting: %w", err)
	}
	if err := s.T.Write32(ctx, regSR, srEOP|srErrors); err != nil {
		return nil, fmt.Errorf("stm32f4: clear FLASH_SR: %w", err)
	}
	end = func() error { return s.lock(ctx) }
	cr, err := s.T.Read32(ctx, regCR)
	if err != nil {
		return nil, fmt.Errorf("stm32f4: read FLASH_CR: %w", err)
	}
	if cr&crLOCK == 0 {
		// Writing keys to an unlocked CR is itself an error (RM0383 §3.5.1).
		return end, nil
	}
	if err := s.unlock(ctx); err != nil {
		return nil, err
	}
	return end, nil
}

// lock waits for the controller and sets CR.LOCK, even after ctx ended.
func (s *Session) lock(ctx context.Context) error {
	sctx, cancel := stm32.SafeCtx(ctx)
	defer cancel()
	_, werr := s.T.WaitFor(sctx, regSR, srBSY, 0, sectorTimeout)
	if err := s.T.Write32(sctx, regCR, crLOCK); err != nil {
		return fmt.Errorf("stm32f4: lock flash interface: %w", errors.Join(err, werr))
	}
	return nil
}

// wait waits for SR.BSY=0 and turns error flags into an error.
func (s *Session) wait(ctx context.Context, d time.Duration) (uint32, error) {
	sr, err := s.T.WaitFor(ctx, regSR, srBSY, 0, d)
	if err != nil {
		return sr, fmt.Errorf("stm32f4: flash controller busy: %w", err)
	}
	return sr, srError(sr, 0)
}

func srError(sr, addr uint32) error {
	switch {
	case sr&srWRPERR != 0:
		return fmt.Errorf("stm32f4: write-protection error at 0x%08X (FLASH_SR 0x%08X): the sector is write-protected or the chip is read-protected; run unlock", addr, sr)
	case sr&(srPGAERR|srPGPERR|srPGSERR) != 0:
		return fmt.Errorf("stm32f4: programming sequence/alignment/parallelism error at 0x%08X (FLASH_SR 0x%08X)", addr, sr)
	case sr&(srOPERR|srRDERR) != 0:
		return fmt.Errorf("stm32f4: flash operation error at 0x%08X (FLASH_SR 0x%08X)", addr, sr)
	}
	return nil
}

func statusError(err error) error {
	var se *access.StatusError
	if errors.As(err, &se) {
		if e := srError(se.Status, se.Addr); e != nil {
			return e
		}
	}
	return fmt.Errorf("stm32f4: %w", err)
}

// command sets CR=bits, then CR=bits|STRT, waits, and clears CR.
func (s *Session) command(ctx context.Context, bits uint32, d time.Duration) error {
	if err := s.T.Write32(ctx, regCR, bits); err != nil {
		return fmt.Errorf("stm32f4: write FLASH_CR: %w", err)
	}
	if err := s.T.Write32(ctx, regCR, bits|crSTRT); err != nil {
		return fmt.Errorf("stm32f4: start: %w", err)
	}
	if _, err := s.wait(ctx, d); err != nil {
		return err
	}
	return s.T.Write32(ctx, regCR, 0)
}
