package stm32f1

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/access"
	"github.com/flashstation/flashstation/targets/facts"
	"github.com/flashstation/flashstation/targets/native"
	"github.com/flashstation/flashstation/targets/stm32"
)

// Family is the facts family name this package drives.
const Family = "stm32f1"

func init() { native.Register(Family, Open) }

// Session is an STM32F1 board behind a probe.
type Session struct {
	stm32.Base
}

var _ targets.Session = (*Session)(nil)

// Open checks that the chip is the variant's device and returns its
// session. It refuses another chip before anything is written.
func Open(ctx context.Context, t *access.Target, v *facts.Variant) (targets.Session, error) {
	if v.Family != Family {
		return nil, fmt.Errorf("stm32f1: variant %s is family %s", v.Name, v.Family)
	}
	s := &Session{Base: stm32.Base{T: t, V: v}}
	if err := s.checkChip(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Session) checkChip(ctx context.Context) error {
	idc, err := stm32.ReadIDCode(ctx, s.T)
	if err != nil {
		return fmt.Errorf("stm32f1: %w", err)
	}
	if err := stm32.CheckDevice(s.V.Part, s.V.DevID, idc); err != nil {
		return fmt.Errorf("stm32f1: %w", err)
	}
	return nil
}

// Identify reads the device and revision, flash size, unique ID, clone
// signals and the read protection state.
func (s *Session) Identify(ctx context.Context) (targets.Identity, error) {
	idc, err := stm32.ReadIDCode(ctx, s.T)
	if err != nil {
		return targets.Identity{}, fmt.Errorf("stm32f1: %w", err)
	}
	if err := stm32.CheckDevice(s.V.Part, s.V.DevID, idc); err != nil {
		return targets.Identity{}, fmt.Errorf("stm32f1: %w", err)
	}
	id := targets.Identity{Family: Family, Part: s.V.Part, DeviceID: idc.Dev, RevID: idc.Rev, DPIDR: s.T.DPIDR}
	id.Revision, _ = idc.Letter()
	cpuid, err := s.T.Read32(ctx, stm32.CPUIDAddr)
	if err != nil {
		return id, fmt.Errorf("stm32f1: read CPUID: %w", err)
	}
	if sig := stm32.CloneSignals(cpuid, idc, s.T.DPIDR, s.V.DPIDR); len(sig) > 0 {
		id.Clone = true
		targets.Logf(ctx, slog.LevelWarn, "stm32f1: not ST silicon (an STM32F103 compatible): %s", strings.Join(sig, "; "))
	}
	id.FlashKiB, id.FlashNote = stm32.ReadFlashSize(ctx, s.T, s.V.FlashSizeReg)
	if id.FlashKiB != 0 && id.FlashKiB*1024 != s.V.Flash.Size {
		id.FlashNote = fmt.Sprintf("chip reports %d KiB; the recipe's %s has %d KiB and only that is used",
			id.FlashKiB, s.V.Part, s.V.Flash.Size/1024)
	}
	if id.UID, err = stm32.ReadUID(ctx, s.T, s.V.UIDReg); err != nil {
		return id, fmt.Errorf("stm32f1: %w", err)
	}
	obr, err := s.T.Read32(ctx, regOBR)
	if err != nil {
		return id, fmt.Errorf("stm32f1: read FLASH_OBR: %w", err)
	}
	id.Protected = obr&obrRDPRT != 0
	return id, nil
}

// protected reads FLASH_OBR.RDPRT.
func (s *Session) protected(ctx context.Context) (bool, uint32, error) {
	obr, err := s.T.Read32(ctx, regOBR)
	if err != nil {
		return false, 0, fmt.Errorf("stm32f1: read FLASH_OBR: %w", err)
	}
	return obr&obrRDPRT != 0, obr, nil
}

// refuseProtected stops flash work on a read-protected chip with what to
// do about it.
func (s *Session) refuseProtected(ctx context.Context) error {
	p, _, err := s.protected(ctx)
	if err != nil {
		return err
	}
	if p {
		return fmt.Errorf("stm32f1: %s is read-protected (RDP level 1): add an unlock step before this one (unlock mass-erases the chip)", s.V.Part)
	}
	return nil
}
