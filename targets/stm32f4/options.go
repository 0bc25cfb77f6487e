package stm32f4

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/stm32"
)

// Unlock takes RDP from level 1 to 0, which mass-erases the chip
// (RM0383 §3.6.5). On an open chip it mass-erases with MER.
func (s *Session) Unlock(ctx context.Context, progress targets.ProgressFunc) error {
	prot, _, err := s.protected(ctx)
	if err != nil {
		return err
	}
	if !prot {
		targets.Logf(ctx, slog.LevelInfo, "stm32f4: %s is not read-protected; mass-erasing instead", s.V.Part)
		return s.MassErase(ctx, progress)
	}
	const steps = 3
	stm32.Report(progress, targets.PhaseUnlock, 0, steps)
	targets.Logf(ctx, slog.LevelInfo, "stm32f4: removing read protection; the chip mass-erases (up to ~16 s)")
	if err := s.writeRDP(ctx, rdpOpen, func() { stm32.Report(progress, targets.PhaseUnlock, 1, steps) }); err != nil {
		return err
	}
	stm32.Report(progress, targets.PhaseUnlock, 2, steps)
	if err := s.T.Core.ResetAndHalt(ctx); err != nil {
		return fmt.Errorf("stm32f4: reset after RDP change: %w", err)
	}
	prot, optcr, err := s.protected(ctx)
	if err != nil {
		return err
	}
	if prot {
		return fmt.Errorf("stm32f4: still read-protected after RDP change and reset (FLASH_OPTCR 0x%08X): power-cycle the board and retry", optcr)
	}
	stm32.Report(progress, targets.PhaseUnlock, steps, steps)
	return nil
}

// Lock sets RDP level 1 (0x00, as OpenOCD's lock), resets, and reads
// OPTCR back as proof.
func (s *Session) Lock(ctx context.Context) (targets.ProtectionState, error) {
	if err := s.writeRDP(ctx, rdpLock, nil); err != nil {
		return targets.ProtectionState{}, err
	}
	if err := s.T.Core.ResetAndHalt(ctx); err != nil {
		return targets.ProtectionState{}, fmt.Errorf("stm32f4: reset after RDP change: %w", err)
	}
	prot, optcr, err := s.protected(ctx)
	if err != nil {
		return targets.ProtectionState{}, err
	}
	st := targets.ProtectionState{Protected: prot, Level: "none", Detail: fmt.Sprintf("FLASH_OPTCR 0x%08X", optcr)}
	if !prot {
		return st, fmt.Errorf("stm32f4: RDP written but FLASH_OPTCR 0x%08X shows level 0 after reset", optcr)
	}
	st.Level = "RDP level 1"
	return st, nil
}

// writeRDP changes OPTCR.RDP, keeping every other option bit (RM0383
// §3.6.2: OPTKEYR keys, OPTCR value, OPTSTRT, wait BSY, OPTLOCK).
func (s *Session) writeRDP(ctx context.Context, rdp uint32, started func()) (err error) {
	if rdp == rdpFinal {
		// Level 2 disables debug for ever; no recipe may ask for it.
		return fmt.Errorf("stm32f4: refusing RDP 0x%02X (level 2 is permanent)", rdp)
	}
	if err := s.T.Core.Halt(ctx); err != nil {
		return fmt.Errorf("stm32f4: halt core before option change: %w", err)
	}
	if _, err := s.T.WaitFor(ctx, regSR, srBSY, 0, sectorTimeout); err != nil {
		return fmt.Errorf("stm32f4: flash controller busy: %w", err)
	}
	// Error flags are sticky (RM0383 §3.8.4): clear old ones so the wait
	// after OPTSTRT reports only this change.
	if err := s.T.Write32(ctx, regSR, srEOP|srErrors); err != nil {
		return fmt.Errorf("stm32f4: clear FLASH_SR: %w", err)
	}
	optcr, err := s.T.Read32(ctx, regOPTCR)
	if err != nil {
		return fmt.Errorf("stm32f4: read FLASH_OPTCR: %w", err)
	}
	if optcr&optLOCK != 0 {
		for _, k := range []uint32{optKey1, optKey2} {
			if err := s.T.WriteOnce32(ctx, regOPTK, k); err != nil {
				return fmt.Errorf("stm32f4: unlock option bytes: %w", err)
			}
		}
		if optcr, err = s.T.Read32(ctx, regOPTCR); err != nil {
			return fmt.Errorf("stm32f4: read FLASH_OPTCR: %w", err)
		}
		if optcr&optLOCK != 0 {
			return fmt.Errorf("stm32f4: option bytes stayed locked after the key sequence (FLASH_OPTCR 0x%08X)", optcr)
		}
	}
	defer func() {
		sctx, cancel := stm32.SafeCtx(ctx)
		defer cancel()
		if v, rerr := s.T.Read32(sctx, regOPTCR); rerr == nil {
			rerr = s.T.Write32(sctx, regOPTCR, v|optLOCK)
			err = errors.Join(err, rerr)
		} else {
			err = errors.Join(err, rerr)
		}
	}()
	want := optcr&^(optRDP|optSTRT|optLOCK) | rdp<<8
	if err := s.T.Write32(ctx, regOPTCR, want); err != nil {
		return fmt.Errorf("stm32f4: write FLASH_OPTCR: %w", err)
	}
	if err := s.T.Write32(ctx, regOPTCR, want|optSTRT); err != nil {
		return fmt.Errorf("stm32f4: start option change: %w", err)
	}
	if started != nil {
		started()
	}
	// Cancelling here would leave the erase running anyway: wait it out
	// on a context that only the timeout ends.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), massTimeout+time.Second)
	defer cancel()
	if _, err := s.wait(wctx, massTimeout); err != nil {
		return fmt.Errorf("%w (changing RDP)", err)
	}
	return nil
}
