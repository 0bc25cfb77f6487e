package stm32f4

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/access"
	"github.com/flashstation/flashstation/targets/facts"
	"github.com/flashstation/flashstation/targets/native"
	"github.com/flashstation/flashstation/targets/stm32"
)

// Family is the facts family name this package drives.
const Family = "stm32f4"

// cpuidM4 is Cortex-M4 r0p1 as the STM32F411 reports it; only the part
// number is compared.
const cpuidM4 uint32 = 0x410FC241

func init() { native.Register(Family, Open) }

// Session is an STM32F4 board behind a probe.
type Session struct {
	stm32.Base
}

var _ targets.Session = (*Session)(nil)

// Open checks that the chip is the variant's device and returns its
// session.
func Open(ctx context.Context, t *access.Target, v *facts.Variant) (targets.Session, error) {
	if v.Family != Family {
		return nil, fmt.Errorf("stm32f4: variant %s is family %s", v.Name, v.Family)
	}
	s := &Session{Base: stm32.Base{T: t, V: v}}
	idc, err := stm32.ReadIDCode(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("stm32f4: %w", err)
	}
	if err := stm32.CheckDevice(v.Part, v.DevID, idc); err != nil {
		return nil, fmt.Errorf("stm32f4: %w", err)
	}
	return s, nil
}

// Identify reads device and revision, flash size, unique ID and the RDP
// level.
func (s *Session) Identify(ctx context.Context) (targets.Identity, error) {
	idc, err := stm32.ReadIDCode(ctx, s.T)
	if err != nil {
		return targets.Identity{}, fmt.Errorf("stm32f4: %w", err)
	}
	if err := stm32.CheckDevice(s.V.Part, s.V.DevID, idc); err != nil {
		return targets.Identity{}, fmt.Errorf("stm32f4: %w", err)
	}
	id := targets.Identity{Family: Family, Part: s.V.Part, DeviceID: idc.Dev, RevID: idc.Rev, DPIDR: s.T.DPIDR}
	var known bool
	if id.Revision, known = idc.Letter(); !known {
		targets.Logf(ctx, slog.LevelInfo, "stm32f4: REV_ID 0x%04X is not in RM0383's list", idc.Rev)
	}
	cpuid, err := s.T.Read32(ctx, stm32.CPUIDAddr)
	if err != nil {
		return id, fmt.Errorf("stm32f4: read CPUID: %w", err)
	}
	if !stm32.SameCore(cpuid, cpuidM4) || s.T.DPIDR != s.V.DPIDR {
		id.Clone = true
		targets.Logf(ctx, slog.LevelWarn, "stm32f4: CPUID 0x%08X, DPIDR 0x%08X: not the Cortex-M4 and SW-DP of an ST STM32F411", cpuid, s.T.DPIDR)
	}
	id.FlashKiB, id.FlashNote = stm32.ReadFlashSize(ctx, s.T, s.V.FlashSizeReg)
	if id.FlashKiB != 0 && id.FlashKiB*1024 != s.V.Flash.Size {
		id.FlashNote = fmt.Sprintf("chip reports %d KiB; the recipe's %s has %d KiB and only that is used",
			id.FlashKiB, s.V.Part, s.V.Flash.Size/1024)
	}
	if id.UID, err = stm32.ReadUID(ctx, s.T, s.V.UIDReg); err != nil {
		return id, fmt.Errorf("stm32f4: %w", err)
	}
	prot, _, err := s.protected(ctx)
	if err != nil {
		return id, err
	}
	id.Protected = prot
	return id, nil
}

// protected reads OPTCR: any RDP other than 0xAA is protection.
func (s *Session) protected(ctx context.Context) (bool, uint32, error) {
	optcr, err := s.T.Read32(ctx, regOPTCR)
	if err != nil {
		return false, 0, fmt.Errorf("stm32f4: read FLASH_OPTCR: %w", err)
	}
	return (optcr&optRDP)>>8 != rdpOpen, optcr, nil
}

func (s *Session) refuseProtected(ctx context.Context) error {
	p, optcr, err := s.protected(ctx)
	if err != nil {
		return err
	}
	if p {
		return fmt.Errorf("stm32f4: %s is read-protected (OPTCR.RDP 0x%02X): add an unlock step before this one (unlock mass-erases the chip)", s.V.Part, (optcr&optRDP)>>8)
	}
	return nil
}
