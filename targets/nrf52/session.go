package nrf52

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/access"
	"github.com/flashstation/flashstation/targets/facts"
	"github.com/flashstation/flashstation/targets/native"
)

// Family is the name the facts and recipes use.
const Family = "nrf52"

func init() {
	native.Register(Family, func(ctx context.Context, t *access.Target, v *facts.Variant) (targets.Session, error) {
		return Open(ctx, t, v)
	})
}

// ErrProtected: APPROTECT blocks the memory bus; only Unlock (which erases
// everything) brings the chip back.
var ErrProtected = errors.New("nrf52: the chip is protected (APPROTECT): memory is unreadable; " +
	"run unlock to recover it, which erases all flash and UICR")

// ErrWrongChip: the chip is not the recipe's target.
var ErrWrongChip = errors.New("nrf52: the chip is not the recipe's target")

// Session is an nRF52 behind one probe. It is not safe for concurrent use.
type Session struct {
	t *access.Target
	v *facts.Variant
	// ctrl is raw DAP access usable for the CTRL-AP; nil when the probe
	// has none.
	ctrl drivers.DAPAccess

	id      *targets.Identity // cached by Identify once readable
	checked bool              // the chip was proven to be v and open
	halted  bool              // halted by us for NVMC work
}

var _ targets.Session = (*Session)(nil)

// Open returns a session over a connected target. It reads nothing yet
// beyond what Identify will need; the session owns t (Close disconnects).
func Open(ctx context.Context, t *access.Target, v *facts.Variant) (*Session, error) {
	if v == nil || v.Family != Family {
		return nil, fmt.Errorf("nrf52: variant %v is not an nRF52", v)
	}
	s := &Session{t: t, v: v, ctrl: t.DAP}
	if s.ctrl != nil {
		// A CTRL-AP that answers with the wrong IDR is not an nRF52; one
		// that does not answer at all (ST-Link) leaves Identify to say.
		idr, err := s.ctrl.ReadAP(ctx, ctrlAP, ctrlIDR)
		switch {
		case err != nil:
			targets.Logf(ctx, slog.LevelDebug, "nrf52: CTRL-AP not reachable through %s: %v", t.ProbeID.Kind, err)
			s.ctrl = nil
		case idr != ctrlAPIDR:
			return nil, fmt.Errorf("%w: AP 1 IDR is 0x%08X, not the nRF52 CTRL-AP's 0x%08X", ErrWrongChip, idr, ctrlAPIDR)
		}
	}
	return s, nil
}

// isSTLink: ST-Link probes cannot reach the CTRL-AP of a locked chip.
func (s *Session) isSTLink() bool {
	return strings.HasPrefix(string(s.t.ProbeID.Kind), "stlink")
}

// protectedByCtrlAP reads APPROTECTSTATUS (0 = protection on); ok is false
// when the CTRL-AP is out of reach.
func (s *Session) protectedByCtrlAP(ctx context.Context) (protected, ok bool, err error) {
	if s.ctrl == nil {
		return false, false, nil
	}
	v, err := s.ctrl.ReadAP(ctx, ctrlAP, ctrlAPProtectStatus)
	if err != nil {
		return false, false, fmt.Errorf("nrf52: read CTRL-AP APPROTECTSTATUS: %w", err)
	}
	return v&1 == 0, true, nil
}

// ready proves, once per session, that the chip is the recipe's variant
// and open, and halts the core (errata 184) before any NVMC work.
func (s *Session) ready(ctx context.Context) error {
	if !s.checked {
		id, err := s.Identify(ctx)
		if err != nil {
			return err
		}
		if id.Protected {
			return ErrProtected
		}
		if id.DeviceID != s.v.DevID {
			return fmt.Errorf("%w: FICR INFO.PART says nRF%X, the recipe targets %s; refusing to touch flash",
				ErrWrongChip, id.DeviceID, s.v.Part)
		}
		if id.FlashKiB != 0 && id.FlashKiB*1024 < s.v.Flash.Size {
			return fmt.Errorf("%w: the chip has %d KiB of flash, %s has %d KiB",
				ErrWrongChip, id.FlashKiB, s.v.Part, s.v.Flash.Size/1024)
		}
		s.checked = true
	}
	if !s.halted {
		if err := s.t.Core.Halt(ctx); err != nil {
			return fmt.Errorf("nrf52: halt the core before flash work: %w", err)
		}
		s.halted = true
	}
	return nil
}

// Reset resets the chip; with halt the core stops at the reset vector.
//
// A revision 3 chip turns APPROTECT back on at every reset until its
// firmware writes APPROTECT.DISABLE, so the AHB-AP may be closed right
// after the reset: it is reset through the CTRL-AP, which needs no memory
// access to prove the reset, and halting it at the reset vector is
// refused, as the firmware would never open the debug port again.
func (s *Session) Reset(ctx context.Context, halt bool) error {
	if s.rev3(ctx) {
		if halt {
			return fmt.Errorf("nrf52: refusing a reset-and-halt on build %s: its APPROTECT is on again after the reset "+
				"until the firmware writes APPROTECT.DISABLE, which a core halted at the reset vector never does; "+
				"the chip would be locked until unlock erases it", s.id.Revision)
		}
		return s.resetRev3(ctx)
	}
	var err error
	if halt {
		err = s.t.Core.ResetAndHalt(ctx)
	} else {
		err = s.t.Core.Reset(ctx)
	}
	if err != nil {
		return fmt.Errorf("nrf52: reset: %w", err)
	}
	s.halted = halt
	return nil
}

// rev3 reports whether the chip is known (or, open, found) to be of
// revision 3 and the CTRL-AP is in reach.
func (s *Session) rev3(ctx context.Context) bool {
	if s.ctrl == nil || s.isSTLink() {
		return false
	}
	if s.id == nil {
		if id, err := s.Identify(ctx); err != nil || id.Protected {
			return false
		}
	}
	return s.id != nil && newAPProtect(s.id.RevID)
}

// resetRev3 pulses CTRL-AP RESET and reports, without failing, whether
// the chip came out of it protected.
func (s *Session) resetRev3(ctx context.Context) error {
	build := s.id.Revision
	if err := s.ctrlReset(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	s.checked, s.halted, s.id = false, false, nil
	protected, _, err := s.protectedByCtrlAP(ctx)
	if err != nil {
		return err
	}
	if protected {
		targets.Logf(ctx, slog.LevelInfo, "nrf52: reset through the CTRL-AP; build %s is protected again after it "+
			"(APPROTECT stays off only when UICR.APPROTECT=HwDisabled and the firmware writes APPROTECT.DISABLE at boot)", build)
	} else {
		targets.Logf(ctx, slog.LevelInfo, "nrf52: reset through the CTRL-AP; build %s is open after it", build)
	}
	return nil
}

// Close disconnects from the target; the probe stays open.
func (s *Session) Close() error {
	ctx := context.Background()
	if err := s.t.Close(ctx); err != nil {
		return fmt.Errorf("nrf52: close: %w", err)
	}
	return nil
}
