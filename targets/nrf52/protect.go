package nrf52

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/arm"
	"github.com/flashstation/flashstation/targets"
)

// ErrNoCtrlAP: the probe cannot reach the CTRL-AP, so recovery and a
// proven lock are impossible through it.
var ErrNoCtrlAP = errors.New("nrf52: this probe cannot reach the nRF52 CTRL-AP (AP 1)")

// cswPinned is what arm.MemAP caches after a 32-bit incrementing access;
// written back after a CTRL-AP reset so the cache and the AP agree.
const cswPinned = arm.DefaultCSW | 0x2 | 0x10

// Unlock removes APPROTECT by erasing everything: CTRL-AP ERASEALL, wait
// for ERASEALLSTATUS, then bring the debug port back. On an open chip
// behind an ST-Link (which cannot use the CTRL-AP of a locked chip) it
// falls back to NVMC ERASEALL, which erases the same.
//
// Whether the CTRL-AP is reset after the erase depends on the silicon.
// Revision 3 (build code F0 and up) opens the debug port at the end of
// ERASEALL and protects itself again at the next reset unless UICR says
// HwDisabled and firmware writes APPROTECT.DISABLE (sdk-nrf
// doc/nrf/security/ap_protect.rst; Nordic DevZone 128196: no reset
// between ERASEALL and writing the firmware), so a reset there would undo
// the unlock. Legacy revisions latch APPROTECT from UICR at reset, so
// while APPROTECTSTATUS still reads protected after the erase, OpenOCD's
// nrf52_recover reset pulse is what opens them. The status read after
// the erase picks the path; the build code cannot be read before it.
func (s *Session) Unlock(ctx context.Context, progress targets.ProgressFunc) error {
	total := int64(s.v.Flash.Size)
	protected, known, err := s.protectedByCtrlAP(ctx)
	if err != nil {
		return err
	}
	if !known {
		if _, ierr := s.Identify(ctx); ierr != nil {
			return fmt.Errorf("%w through %s: a protected nRF52 can only be recovered with a probe that has raw DAP access "+
				"to AP 1, such as a CMSIS-DAP probe (%v)", ErrNoCtrlAP, s.t.ProbeID.Kind, ierr)
		}
		targets.Logf(ctx, slog.LevelInfo, "nrf52: chip is open; unlock through %s is an NVMC ERASEALL", s.t.ProbeID.Kind)
		report(progress, targets.PhaseUnlock, 0, total)
		if err := s.MassErase(ctx, nil); err != nil {
			return err
		}
		report(progress, targets.PhaseUnlock, total, total)
		return nil
	}
	if s.isSTLink() && protected {
		return fmt.Errorf("%w: ST-Link firmware answers 'no device' on the CTRL-AP of a locked nRF52; "+
			"recover it with a CMSIS-DAP probe", ErrNoCtrlAP)
	}
	targets.Logf(ctx, slog.LevelInfo, "nrf52: CTRL-AP ERASEALL (protected=%v): all flash and UICR will be erased", protected)
	report(progress, targets.PhaseUnlock, 0, total)
	// Once started the erase runs to its end: cancellation is honoured
	// only before it.
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("nrf52: unlock not started: %w", err)
	}
	wctx := context.WithoutCancel(ctx)
	if err := s.ctrlEraseAll(wctx); err != nil {
		return err
	}
	s.checked, s.halted, s.id = false, false, nil
	if protected, _, err = s.protectedByCtrlAP(wctx); err != nil {
		return err
	}
	if protected {
		targets.Logf(ctx, slog.LevelInfo, "nrf52: APPROTECTSTATUS still reads protected after ERASEALL: "+
			"pulsing CTRL-AP RESET (legacy silicon applies the erased UICR.APPROTECT at reset)")
		if err := s.ctrlReset(wctx); err != nil {
			return err
		}
	} else {
		targets.Logf(ctx, slog.LevelInfo, "nrf52: APPROTECTSTATUS reads open right after ERASEALL: no reset "+
			"(on revision 3 silicon a reset would turn APPROTECT back on before the firmware is written)")
		if err := s.syncCSW(wctx); err != nil {
			return err
		}
	}
	if err := s.ctrl.WriteAP(wctx, ctrlAP, ctrlEraseAll, 0); err != nil {
		return fmt.Errorf("nrf52: CTRL-AP ERASEALL=0: %w", err)
	}
	if protected {
		if protected, _, err = s.protectedByCtrlAP(wctx); err != nil {
			return err
		}
		if protected {
			return fmt.Errorf("nrf52: ERASEALL finished but APPROTECTSTATUS still reports protection after reset; " +
				"power-cycle the board and unlock again")
		}
	}
	report(progress, targets.PhaseUnlock, total, total)
	return s.keepOpen(ctx)
}

// ctrlEraseAll starts OpenOCD's nrf52_recover sequence: CTRL-AP ERASEALL,
// then ERASEALLSTATUS polled to 0. The reset and ERASEALL=0 that end it
// are Unlock's, as the revision decides whether to reset.
func (s *Session) ctrlEraseAll(ctx context.Context) error {
	if err := s.ctrl.WriteAP(ctx, ctrlAP, ctrlEraseAll, 1); err != nil {
		return fmt.Errorf("nrf52: CTRL-AP ERASEALL: %w", err)
	}
	if err := s.pollCtrl(ctx, ctrlEraseAllStatus, 0, ctrlEraseTimeout); err != nil {
		return fmt.Errorf("nrf52: CTRL-AP erase never finished: %w", err)
	}
	return nil
}

// ctrlReset pulses CTRL-AP RESET, then powers the DP up again and puts
// the AHB-AP's CSW back to what the memory layer believes it is.
func (s *Session) ctrlReset(ctx context.Context) error {
	d := s.ctrl
	if err := d.WriteAP(ctx, ctrlAP, ctrlReset, 1); err != nil {
		return fmt.Errorf("nrf52: CTRL-AP RESET=1: %w", err)
	}
	if err := d.WriteAP(ctx, ctrlAP, ctrlReset, 0); err != nil {
		return fmt.Errorf("nrf52: CTRL-AP RESET=0: %w", err)
	}
	if _, err := arm.InitDP(ctx, d); err != nil {
		return fmt.Errorf("nrf52: debug port after reset: %w", err)
	}
	return s.syncCSW(ctx)
}

// syncCSW writes the AHB-AP's CSW and primes the memory layer's cache
// with the same value: after a reset, or once the AHB-AP opens, CSW may
// not be what the cache last saw while the AP was blocked.
func (s *Session) syncCSW(ctx context.Context) error {
	if err := s.ctrl.WriteAP(ctx, 0, arm.CSW, cswPinned); err != nil {
		return fmt.Errorf("nrf52: AHB-AP CSW: %w", err)
	}
	var w [1]uint32
	if err := s.t.Mem.ReadMemory32(ctx, nvmcReady, w[:]); err != nil {
		targets.Logf(ctx, slog.LevelDebug, "nrf52: first memory read after unlock or reset: %v", err)
	}
	return nil
}

// pollCtrl polls a CTRL-AP register until it reads want.
func (s *Session) pollCtrl(ctx context.Context, reg uint8, want uint32, timeout time.Duration) error {
	dl := drivers.NewDeadline(s.ctrl, timeout) // between polls, never mid-transfer
	var v uint32
	for {
		// A value-match read polls on a CMSIS-DAP probe; the plain read
		// after it learns the value when the match gave up.
		op := drivers.DAPOp{AP: true, APSel: ctrlAP, Addr: reg, Result: &v,
			Match: &drivers.Match{Mask: 0xFFFFFFFF, Value: want}}
		if err := s.ctrl.Batch(ctx, []drivers.DAPOp{op}); err == nil && v == want {
			return nil
		}
		r, err := s.ctrl.ReadAP(ctx, ctrlAP, reg)
		if err == nil && r == want {
			return nil
		}
		if err != nil {
			if ctx.Err() != nil || dl.Passed() {
				return fmt.Errorf("CTRL-AP register 0x%02X never read 0x%08X: %w", reg, want, err)
			}
			continue
		}
		if ctx.Err() != nil {
			return fmt.Errorf("CTRL-AP register 0x%02X reads 0x%08X, want 0x%08X: %w", reg, r, want, ctx.Err())
		}
		if dl.Passed() {
			return fmt.Errorf("CTRL-AP register 0x%02X reads 0x%08X, want 0x%08X after %v: %w", reg, r, want, timeout, drivers.ErrPollTimeout)
		}
	}
}

// keepOpen: on revision 3 chips an erased UICR.APPROTECT means "protected
// at the next reset"; HwDisabled keeps the debugger's way in (firmware
// must still write APPROTECT.DISABLE at boot, PS §4.6). Older revisions
// treat every value but 0xFF as protected, so they are left erased.
func (s *Session) keepOpen(ctx context.Context) error {
	id, err := s.Identify(ctx)
	if err != nil {
		return fmt.Errorf("nrf52: after unlock: %w", err)
	}
	if !newAPProtect(id.RevID) {
		return nil
	}
	targets.Logf(ctx, slog.LevelInfo, "nrf52: build %s has the revision 3 APPROTECT: writing UICR.APPROTECT=HwDisabled "+
		"(firmware must also write APPROTECT.DISABLE at boot)", id.Revision)
	if err := s.ready(ctx); err != nil {
		return err
	}
	return s.writeRuns(ctx, []run{{addr: uicrAPProtect, words: []uint32{approtectHwDisabled}}}, nil)
}

// Lock writes UICR.APPROTECT=Enabled, resets through the CTRL-AP and reads
// APPROTECTSTATUS back as proof. Refused where the CTRL-AP is out of
// reach: the lock could neither be proven nor undone through that probe.
func (s *Session) Lock(ctx context.Context) (targets.ProtectionState, error) {
	none := targets.ProtectionState{Level: "none"}
	if s.ctrl == nil || s.isSTLink() {
		return none, fmt.Errorf("%w through %s: refusing to lock, as the lock could not be proven and the chip "+
			"could not be recovered through this probe; use a CMSIS-DAP probe", ErrNoCtrlAP, s.t.ProbeID.Kind)
	}
	if err := s.ready(ctx); err != nil {
		return none, err
	}
	var cur [1]uint32
	if err := s.t.Mem.ReadMemory32(ctx, uicrAPProtect, cur[:]); err != nil {
		return none, fmt.Errorf("nrf52: read UICR.APPROTECT: %w", err)
	}
	if cur[0] != approtectEnabled {
		if err := s.writeRuns(ctx, []run{{addr: uicrAPProtect, words: []uint32{approtectEnabled}}}, nil); err != nil {
			return none, err
		}
	}
	if err := s.ctrlReset(context.WithoutCancel(ctx)); err != nil {
		return none, err
	}
	s.checked, s.halted, s.id = false, false, nil
	protected, _, err := s.protectedByCtrlAP(ctx)
	if err != nil {
		return none, err
	}
	if !protected {
		return none, fmt.Errorf("nrf52: UICR.APPROTECT=0x00 was written but APPROTECTSTATUS still reads open after reset")
	}
	st := targets.ProtectionState{Protected: true, Level: "APPROTECT",
		Detail: "UICR.APPROTECT=0x00; after a CTRL-AP reset APPROTECTSTATUS=0 (protected)"}
	var w [1]uint32
	if err := s.t.Mem.ReadMemory32(ctx, ficrInfoPart, w[:]); err != nil {
		st.Detail += "; AHB-AP memory read refused"
	} else {
		st.Detail += "; AHB-AP still answered a FICR read"
	}
	targets.Logf(ctx, slog.LevelInfo, "nrf52: locked: %s", st.Detail)
	return st, nil
}
