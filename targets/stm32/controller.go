package stm32

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/access"
	"github.com/flashstation/flashstation/targets/facts"
)

// Controller is one family's flash controller (F1 FPEC, F4 flash
// interface) as the shared sequences need it: register addresses and bits
// are data; what differs in behaviour (error flags) is a function.
// The sequences follow RM0008 §3.3 and RM0383 §3.5, which agree on KEYR,
// SR.BSY, CR.LOCK and CR.PG/STRT.
type Controller struct {
	Pkg     string // error prefix: "stm32f1"
	Unit    string // name in messages: "FPEC", "flash interface"
	KeyLock string // what a wrong key sequence locks: "the FPEC key lock"

	KEYR, SR, CR uint32 // register addresses
	AR           uint32 // address register for commands; 0: none (F4 selects sectors in CR)
	Keys         [2]uint32

	BSY, EOP, Errors uint32 // SR bits
	LOCK, STRT       uint32 // CR bits
	// Keep: CR bits a command leaves set when it ends (F1 OPTWRE, which
	// only the option key sequence sets again).
	Keep uint32
	// PG: CR value while programming (PG and, on F4, PSIZE).
	PG uint32

	Width       int           // program unit in bytes
	Redundant   uint32        // see access.Status.Redundant
	UnitTimeout time.Duration // see access.Status.UnitTimeout
	IdleTimeout time.Duration // wait for BSY=0 before starting and before locking

	// SRError explains error flags in SR at addr; nil when there are none.
	SRError func(sr, addr uint32) error
}

// unlockTries: a key sequence cut short by a link fault leaves it unknown
// whether KEY1 landed; a second KEY1 is then a wrong sequence, which
// locks FLASH_CR until the next reset (RM0008 §3.3.1; on F4 it also
// raises a bus error, RM0383 §3.5.1). One system reset clears that, so
// the sequence gets a second try after one.
const unlockTries = 2

// Begin halts the core (firmware must not touch the controller
// meanwhile), waits for an idle controller, clears old flags and unlocks
// CR. The returned func locks CR again and must be deferred; it works
// after ctx has been cancelled.
func (c *Controller) Begin(ctx context.Context, t *access.Target) (end func() error, err error) {
	if err := t.Core.Halt(ctx); err != nil {
		return nil, fmt.Errorf("%s: halt core before flash work: %w", c.Pkg, err)
	}
	if _, err := t.WaitFor(ctx, c.SR, c.BSY, 0, c.IdleTimeout); err != nil {
		return nil, fmt.Errorf("%s: flash controller busy before starting: %w", c.Pkg, err)
	}
	if err := t.Write32(ctx, c.SR, c.EOP|c.Errors); err != nil {
		return nil, fmt.Errorf("%s: clear FLASH_SR: %w", c.Pkg, err)
	}
	end = func() error { return c.Lock(ctx, t) }
	cr, err := t.Read32(ctx, c.CR)
	if err != nil {
		return nil, fmt.Errorf("%s: read FLASH_CR: %w", c.Pkg, err)
	}
	if cr&c.LOCK == 0 {
		// Writing keys to an unlocked CR is itself an error (RM0383 §3.5.1).
		return end, nil
	}
	if err := c.unlock(ctx, t); err != nil {
		return nil, err
	}
	return end, nil
}

// Lock waits for the controller to finish and sets CR.LOCK, even when ctx
// is already cancelled.
func (c *Controller) Lock(ctx context.Context, t *access.Target) error {
	sctx, cancel := SafeCtx(ctx)
	defer cancel()
	_, werr := t.WaitFor(sctx, c.SR, c.BSY, 0, c.IdleTimeout)
	if err := t.Write32(sctx, c.CR, c.LOCK); err != nil {
		return fmt.Errorf("%s: lock %s: %w", c.Pkg, c.Unit, errors.Join(err, werr))
	}
	return nil
}

// Wait waits for SR.BSY=0 and turns error flags into an error.
func (c *Controller) Wait(ctx context.Context, t *access.Target, d time.Duration) (uint32, error) {
	sr, err := t.WaitFor(ctx, c.SR, c.BSY, 0, d)
	if err != nil {
		return sr, fmt.Errorf("%s: flash controller busy: %w", c.Pkg, err)
	}
	return sr, c.SRError(sr, 0)
}

// StatusError turns an access.StatusError from a program stream into a
// message about SR.
func (c *Controller) StatusError(err error) error {
	var se *access.StatusError
	if errors.As(err, &se) {
		if e := c.SRError(se.Status, se.Addr); e != nil {
			return e
		}
	}
	return fmt.Errorf("%s: %w", c.Pkg, err)
}

// Command runs one erase-style command: CR=bits, (AR=addr when the
// controller has AR and addr is not nil), CR|=STRT, wait, then CR=bits&Keep.
func (c *Controller) Command(ctx context.Context, t *access.Target, bits uint32, addr *uint32, d time.Duration) error {
	if err := t.Write32(ctx, c.CR, bits); err != nil {
		return fmt.Errorf("%s: write FLASH_CR: %w", c.Pkg, err)
	}
	if addr != nil && c.AR != 0 {
		if err := t.Write32(ctx, c.AR, *addr); err != nil {
			return fmt.Errorf("%s: write FLASH_AR: %w", c.Pkg, err)
		}
	}
	if err := t.Write32(ctx, c.CR, bits|c.STRT); err != nil {
		return fmt.Errorf("%s: start: %w", c.Pkg, err)
	}
	if _, err := c.Wait(ctx, t, d); err != nil {
		return err
	}
	return t.Write32(ctx, c.CR, bits&c.Keep)
}

// Program writes unit-aligned segments into erased flash; the controller
// is unlocked. stalled picks the stream path (see access.Stream.Stalled)
// and is asked once, after the first progress event.
func (c *Controller) Program(ctx context.Context, t *access.Target, segs []Segment, stalled func(context.Context) bool, progress targets.ProgressFunc) error {
	var total, done int64
	for _, sg := range segs {
		total += int64(len(sg.Data))
	}
	report(progress, targets.PhaseProgram, 0, total)
	stall := stalled(ctx)
	if err := t.Write32(ctx, c.CR, c.PG); err != nil {
		return fmt.Errorf("%s: set FLASH_CR.PG: %w", c.Pkg, err)
	}
	for _, sg := range segs {
		base := done
		err := t.WritePolled(ctx, access.Stream{
			Addr: sg.Addr, Data: sg.Data, Width: c.Width, SkipErased: true, Stalled: stall,
			// On F1, SR is read as a halfword on the batched path: BSY and
			// the error flags all sit in its low half.
			Wait: access.Status{Addr: c.SR, Mask: c.BSY, Want: 0, Errors: c.Errors, Clear: c.Errors | c.EOP,
				UnitTimeout: c.UnitTimeout, Redundant: c.Redundant, ErasedFiller: 0xFF},
			Progress: func(n int) { report(progress, targets.PhaseProgram, base+int64(n), total) },
		})
		if err != nil {
			return c.StatusError(err)
		}
		done += int64(len(sg.Data))
	}
	if err := t.Write32(ctx, c.CR, 0); err != nil {
		return fmt.Errorf("%s: clear FLASH_CR.PG: %w", c.Pkg, err)
	}
	return nil
}

// unlock writes the key sequence, resetting (core halted) and trying
// again when CR stays locked.
func (c *Controller) unlock(ctx context.Context, t *access.Target) error {
	var last error
	for try := 0; try < unlockTries; try++ {
		if try > 0 {
			targets.Logf(ctx, slog.LevelWarn, "%s: %v; resetting the chip to clear %s", c.Pkg, last, c.KeyLock)
			if err := t.Core.ResetAndHalt(ctx); err != nil {
				return fmt.Errorf("%s: reset to clear %s: %w (after %w)", c.Pkg, c.KeyLock, err, last)
			}
		}
		if last = c.keys(ctx, t); last == nil {
			return nil
		}
		if ctx.Err() != nil {
			return last
		}
	}
	return last
}

// keys writes KEY1, KEY2 once each and checks CR.LOCK.
func (c *Controller) keys(ctx context.Context, t *access.Target) error {
	for _, k := range c.Keys {
		if err := t.WriteOnce32(ctx, c.KEYR, k); err != nil {
			return fmt.Errorf("%s: unlock %s: %w", c.Pkg, c.Unit, err)
		}
	}
	cr, err := t.Read32(ctx, c.CR)
	if err != nil {
		return fmt.Errorf("%s: read FLASH_CR: %w", c.Pkg, err)
	}
	if cr&c.LOCK != 0 {
		return fmt.Errorf("%s: %s stayed locked after the key sequence (FLASH_CR 0x%08X): reset or power-cycle the board", c.Pkg, c.Unit, cr)
	}
	return nil
}

// Unlocked runs fn with the controller unlocked, once refuse (the
// family's read-protection check) lets it; CR is locked again afterwards,
// whatever fn returned.
func (c *Controller) Unlocked(ctx context.Context, t *access.Target, refuse func(context.Context) error, fn func() error) (err error) {
	if err := refuse(ctx); err != nil {
		return err
	}
	end, err := c.Begin(ctx, t)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, end()) }()
	return fn()
}

// EraseEach erases secs one at a time with erase (which explains its own
// errors), stopping between units when ctx ends; name names a unit in
// that message ("page 0x08000400", "sector 3").
func EraseEach(ctx context.Context, pkg string, secs []facts.Sector, name func(facts.Sector) string, erase func(facts.Sector) error, progress targets.ProgressFunc) error {
	var total, done int64
	for _, x := range secs {
		total += int64(x.Size)
	}
	report(progress, targets.PhaseErase, 0, total)
	for _, x := range secs {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s: erase stopped before %s: %w", pkg, name(x), err)
		}
		if err := erase(x); err != nil {
			return err
		}
		done += int64(x.Size)
		report(progress, targets.PhaseErase, done, total)
	}
	return nil
}
