package stm32f1

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flashstation/flashstation/targets/access"
	"github.com/flashstation/flashstation/targets/stm32"
)

// begin halts the core (firmware must not touch the FPEC meanwhile),
// waits for an idle controller, clears old flags and unlocks CR. The
// returned func locks CR again and must be deferred; it works after ctx
// has been cancelled.
func (s *Session) begin(ctx context.Context) (end func() error, err error) {
	if err := s.T.Core.Halt(ctx); err != nil {
		return nil, fmt.Errorf("stm32f1: halt core before flash work: %w", err)
	}
	if _, err := s.T.WaitFor(ctx, regSR, srBSY, 0, eraseTimeout); err != nil {
		return nil, fmt.Errorf("stm32f1: flash controller busy before starting: %w", err)
	}
	if err := s.T.Write32(ctx, regSR, srEOP|srErrors); err != nil {
		return nil, fmt.Errorf("stm32f1: clear FLASH_SR: %w", err)
	}
	end = func() error { return s.lock(ctx) }
	cr, err := s.T.Read32(ctx, regCR)
	if err != nil {
		return nil, fmt.Errorf("stm32f1: read FLASH_CR: %w", err)
	}
	if cr&crLOCK == 0 {
		return end, nil
	}
	// RM0008 §3.3.1: KEY1 then KEY2; a wrong sequence locks CR until reset.
	if err := s.unlock(ctx); err != nil {
		return nil, err
	}
	return end, nil
}

// lock waits for the controller to finish and sets CR.LOCK, even when ctx
// is already cancelled.
func (s *Session) lock(ctx context.Context) error {
	sctx, cancel := stm32.SafeCtx(ctx)
	defer cancel()
	_, werr := s.T.WaitFor(sctx, regSR, srBSY, 0, eraseTimeout)
	if err := s.T.Write32(sctx, regCR, crLOCK); err != nil {
		return fmt.Errorf("stm32f1: lock FPEC: %w", errors.Join(err, werr))
	}
	return nil
}

// wait waits for SR.BSY=0 and turns error flags into an error.
func (s *Session) wait(ctx context.Context, d time.Duration) (uint32, error) {
	sr, err := s.T.WaitFor(ctx, regSR, srBSY, 0, d)
	if err != nil {
		return sr, fmt.Errorf("stm32f1: flash controller busy: %w", err)
	}
	return sr, s.srError(sr, 0)
}

// srError explains error flags in SR.
func (s *Session) srError(sr, addr uint32) error {
	switch {
	case sr&srWRPRTERR != 0:
		return fmt.Errorf("stm32f1: write-protection error at 0x%08X (FLASH_SR 0x%08X): the page is write-protected or the chip is read-protected; run unlock", addr, sr)
	case sr&srPGERR != 0:
		return fmt.Errorf("stm32f1: programming error at 0x%08X (FLASH_SR 0x%08X): the halfword was not erased first", addr, sr)
	}
	return nil
}

// statusError turns an access.StatusError from a program stream into a
// message about SR.
func (s *Session) statusError(err error) error {
	var se *access.StatusError
	if errors.As(err, &se) {
		if e := s.srError(se.Status, se.Addr); e != nil {
			return e
		}
	}
	return fmt.Errorf("stm32f1: %w", err)
}

// command runs one erase-style command: CR=bits, (AR=addr), CR|=STRT, wait.
func (s *Session) command(ctx context.Context, bits uint32, addr *uint32, d time.Duration) error {
	if err := s.T.Write32(ctx, regCR, bits); err != nil {
		return fmt.Errorf("stm32f1: write FLASH_CR: %w", err)
	}
	if addr != nil {
		if err := s.T.Write32(ctx, regAR, *addr); err != nil {
			return fmt.Errorf("stm32f1: write FLASH_AR: %w", err)
		}
	}
	if err := s.T.Write32(ctx, regCR, bits|crSTRT); err != nil {
		return fmt.Errorf("stm32f1: start: %w", err)
	}
	_, err := s.wait(ctx, d)
	if err == nil {
		// Writing 0 to OPTWRE clears it and only the key sequence sets it
		// again (RM0008 §3.4.5): keep it through the command.
		err = s.T.Write32(ctx, regCR, bits&crOPTWRE)
	}
	return err
}
