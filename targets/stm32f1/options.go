package stm32f1

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/stm32"
)

// Unlock removes read protection. It always mass-erases: on a protected
// chip through the RDP change (PM0075 §2.5: the FPEC erases main flash
// when RDP goes back to 0xA5), on an open one with MER.
func (s *Session) Unlock(ctx context.Context, progress targets.ProgressFunc) error {
	prot, _, err := s.protected(ctx)
	if err != nil {
		return err
	}
	if !prot {
		targets.Logf(ctx, slog.LevelInfo, "stm32f1: %s is not read-protected; mass-erasing instead", s.V.Part)
		return s.MassErase(ctx, progress)
	}
	const steps = 3
	stm32.Report(progress, targets.PhaseUnlock, 0, steps)
	if err := s.writeOptions(ctx, rdpOpen); err != nil {
		return err
	}
	stm32.Report(progress, targets.PhaseUnlock, 1, steps)
	// Options load only at a system reset (RM0008 §3.5).
	if err := s.T.Core.ResetAndHalt(ctx); err != nil {
		return fmt.Errorf("stm32f1: reset to load the new option bytes: %w", err)
	}
	stm32.Report(progress, targets.PhaseUnlock, 2, steps)
	prot, obr, err := s.protected(ctx)
	if err != nil {
		return err
	}
	if prot {
		return fmt.Errorf("stm32f1: still read-protected after RDP removal and reset (FLASH_OBR 0x%08X): power-cycle the board and retry", obr)
	}
	targets.Logf(ctx, slog.LevelInfo, "stm32f1: read protection removed; flash mass-erased")
	stm32.Report(progress, targets.PhaseUnlock, steps, steps)
	return nil
}

// Lock sets RDP level 1, keeps the other option bytes, resets and reads
// FLASH_OBR back as proof.
func (s *Session) Lock(ctx context.Context) (targets.ProtectionState, error) {
	if err := s.writeOptions(ctx, rdpLock); err != nil {
		return targets.ProtectionState{}, err
	}
	if err := s.T.Core.ResetAndHalt(ctx); err != nil {
		return targets.ProtectionState{}, fmt.Errorf("stm32f1: reset to load the new option bytes: %w", err)
	}
	prot, obr, err := s.protected(ctx)
	if err != nil {
		return targets.ProtectionState{}, err
	}
	st := targets.ProtectionState{Protected: prot, Level: "none", Detail: fmt.Sprintf("FLASH_OBR 0x%08X", obr)}
	if !prot {
		return st, fmt.Errorf("stm32f1: RDP written but FLASH_OBR 0x%08X shows no read protection after reset", obr)
	}
	st.Level = "RDP level 1"
	return st, nil
}

// writeOptions erases the option bytes and programs RDP=rdp with the
// other option bytes as they were (RM0008 §3.5, PM0075 §2.5).
func (s *Session) writeOptions(ctx context.Context, rdp uint16) (err error) {
	old := make([]byte, 2*optCount)
	if err := s.T.ReadBytes(ctx, optBase, old); err != nil {
		return fmt.Errorf("stm32f1: read option bytes: %w", err)
	}
	end, err := ctl.Begin(ctx, s.T)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, end()) }()
	for _, k := range []uint32{key1, key2} {
		if err := s.T.WriteOnce32(ctx, regOPTK, k); err != nil {
			return fmt.Errorf("stm32f1: unlock option bytes: %w", err)
		}
	}
	cr, err := s.T.Read32(ctx, regCR)
	if err != nil {
		return fmt.Errorf("stm32f1: read FLASH_CR: %w", err)
	}
	if cr&crOPTWRE == 0 {
		return fmt.Errorf("stm32f1: option byte writes still disabled after the key sequence (FLASH_CR 0x%08X)", cr)
	}
	if err := s.command(ctx, crOPTER|crOPTWRE, nil, optionTimeout); err != nil {
		return fmt.Errorf("%w (erasing option bytes)", err)
	}
	// New values: each option's data byte only; the FPEC writes the
	// complement byte itself.
	vals := make([]byte, 2*optCount)
	binary.LittleEndian.PutUint16(vals, rdp)
	for i := 1; i < optCount; i++ {
		binary.LittleEndian.PutUint16(vals[2*i:], uint16(old[2*i]))
	}
	if err := s.T.Write32(ctx, regCR, crOPTPG|crOPTWRE); err != nil {
		return fmt.Errorf("stm32f1: set FLASH_CR.OPTPG: %w", err)
	}
	// One halfword at a time with a full wait each: the RDP change may
	// run a mass erase, and option bytes read back with their
	// complements, so the stream's read-back recovery does not apply.
	for i := range optCount {
		a := optBase + uint32(2*i)
		if err := s.T.Mem.WriteMemory16(ctx, a, []uint16{binary.LittleEndian.Uint16(vals[2*i:])}); err != nil {
			return fmt.Errorf("stm32f1: program option byte 0x%08X: %w", a, err)
		}
		if _, err := s.wait(ctx, optionTimeout); err != nil {
			return fmt.Errorf("%w (programming option byte 0x%08X)", err, a)
		}
	}
	// The RDP change may start a mass erase: wait it out here.
	if _, err := s.wait(ctx, optionTimeout); err != nil {
		return err
	}
	return s.T.Write32(ctx, regCR, 0)
}
