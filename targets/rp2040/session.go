package rp2040

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
const Family = "rp2040"

func init() {
	native.Register(Family, func(ctx context.Context, t *access.Target, v *facts.Variant) (targets.Session, error) {
		return Open(ctx, t, v)
	})
	native.RegisterConnect(Family, func(*facts.Variant) access.ConnectOptions { return ConnectOptions() })
}

// ConnectOptions selects core 0 on the multidrop SWD bus.
func ConnectOptions() access.ConnectOptions {
	sel := targetSelCore0
	return access.ConnectOptions{Probe: drivers.ConnectOptions{TargetSel: &sel}}
}

// ErrNoProtection: the RP2040 has no readout protection to turn on.
var ErrNoProtection = errors.New("rp2040: the RP2040 has no readout protection: there is nothing to lock")

// ErrWrongChip: the chip is not the recipe's target.
var ErrWrongChip = errors.New("rp2040: the chip is not the recipe's target")

// Session is an RP2040 behind one CMSIS-DAP probe. Not safe for concurrent
// use.
type Session struct {
	t     *access.Target
	v     *facts.Variant
	funcs map[fn]uint32
	raw   bool   // IF+EX done, XIP off
	baudr uint32 // SSI divider set by SetSPIDivider; 0: chosen from clk (see divider)
	clk   clockSource
	// noClocks keeps clk_sys as found (measurements of the old path).
	noClocks bool
	// flashSize from the JEDEC id; 0 until Identify ran.
	flashSize uint32
	checked   bool
}

var _ targets.Session = (*Session)(nil)

// Open checks SYSINFO CHIP_ID and the bootrom header and returns a
// session; the session owns t.
func Open(ctx context.Context, t *access.Target, v *facts.Variant) (*Session, error) {
	if strings.HasPrefix(string(t.ProbeID.Kind), "stlink") {
		return nil, fmt.Errorf("rp2040: an RP2040 is unreachable through an ST-Link: it sits on a multidrop SWD bus " +
			"(TARGETSEL), which ST-Link firmware cannot select; use a CMSIS-DAP probe")
	}
	if v == nil || v.Family != Family {
		return nil, fmt.Errorf("rp2040: variant %v is not an RP2040", v)
	}
	s := &Session{t: t, v: v}
	id, err := t.Read32(ctx, sysinfoChipID)
	if err != nil {
		return nil, fmt.Errorf("rp2040: read SYSINFO CHIP_ID: %w", err)
	}
	if id&0xFFF != chipIDMfr || id>>12&0xFFFF != v.DevID {
		return nil, fmt.Errorf("%w: CHIP_ID 0x%08X is not an RP2040's (part 0x%04X, manufacturer 0x%03X)",
			ErrWrongChip, id, v.DevID, chipIDMfr)
	}
	magic, err := t.Read32(ctx, romMagic)
	if err != nil {
		return nil, fmt.Errorf("rp2040: read the bootrom header: %w", err)
	}
	if magic&0xFFFFFF != romMagicWant {
		return nil, fmt.Errorf("rp2040: bootrom header 0x%06X is not 'Mu' version 1", magic&0xFFFFFF)
	}
	return s, nil
}

// SetSPIDivider sets the SSI clock divider used for flash work (even, 2
// or more; 0 goes back to the automatic choice); 6 is what the bootrom
// itself picks. For measurements: a divider too small for the clock
// breaks the 50 MHz limit of the flash's 03h reads.
func (s *Session) SetSPIDivider(d uint32) { s.baudr = d }

// Lock is refused: there is no protection to turn on.
func (s *Session) Lock(ctx context.Context) (targets.ProtectionState, error) {
	return targets.ProtectionState{Level: "none", Detail: "RP2040 has no readout protection"}, ErrNoProtection
}

// Unlock has nothing to unlock; as the contract says, it erases all of
// flash.
func (s *Session) Unlock(ctx context.Context, progress targets.ProgressFunc) error {
	return s.eraseRange(ctx, 0, s.v.Flash.Size, targets.PhaseUnlock, progress)
}

// MassErase erases all of flash (64 KiB block erases).
func (s *Session) MassErase(ctx context.Context, progress targets.ProgressFunc) error {
	return s.eraseRange(ctx, 0, s.v.Flash.Size, targets.PhaseErase, progress)
}

// Erase erases the 4 KiB sectors of [addr, addr+size) (XIP addresses),
// which must be sector aligned; 64 KiB blocks are used where aligned.
func (s *Session) Erase(ctx context.Context, addr, size uint32, progress targets.ProgressFunc) error {
	if size == 0 {
		return nil
	}
	secs, err := s.v.SectorsCovering(addr, uint64(size))
	if err != nil {
		return fmt.Errorf("rp2040: erase refused: %w", err)
	}
	first, last := secs[0], secs[len(secs)-1]
	if first.Addr != addr || last.Addr+last.Size != addr+size {
		return fmt.Errorf("rp2040: erase 0x%08X+%d is not aligned to %d-byte sectors; the sectors covering it are 0x%08X..0x%08X",
			addr, size, first.Size, first.Addr, last.Addr+last.Size-1)
	}
	return s.eraseRange(ctx, addr-s.v.Flash.Base, size, targets.PhaseErase, progress)
}

// Reset resets core 0; with halt it stops at the reset vector. The
// clocks go back to the ring oscillator first, since a core reset leaves
// them alone (see leaveClocks); a failure there is logged, not returned:
// the reset itself is what the step asked for.
func (s *Session) Reset(ctx context.Context, halt bool) error {
	if err := s.leaveClocks(ctx); err != nil {
		targets.Logf(ctx, slog.LevelWarn, "%v", err)
	}
	var err error
	if halt {
		err = s.t.Core.ResetAndHalt(ctx)
	} else {
		err = s.t.Core.Reset(ctx)
	}
	if err != nil {
		return fmt.Errorf("rp2040: reset: %w", err)
	}
	s.funcs, s.raw, s.clk = nil, false, clkUnset
	return nil
}

// Close turns XIP back on if a flash operation left it off, puts the
// clocks back as a chip reset leaves them, and disconnects; the probe
// stays open.
func (s *Session) Close() error {
	ctx := context.Background()
	lerr := errors.Join(s.leaveRaw(ctx), s.leaveClocks(ctx))
	if err := s.t.Close(ctx); err != nil {
		return errors.Join(lerr, fmt.Errorf("rp2040: close: %w", err))
	}
	return lerr
}

func report(p targets.ProgressFunc, ph targets.Phase, done, total int64) {
	if p != nil {
		p(targets.Progress{Phase: ph, Done: done, Total: total})
	}
}
