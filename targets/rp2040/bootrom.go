package rp2040

import (
	"context"
	"fmt"
	"time"

	"github.com/flashstation/flashstation/drivers"
)

// fn names a bootrom function by its two-letter code.
type fn [2]byte

var (
	fnConnect    = fn{'I', 'F'}
	fnExitXIP    = fn{'E', 'X'}
	fnErase      = fn{'R', 'E'}
	fnProgram    = fn{'R', 'P'}
	fnFlushCache = fn{'F', 'C'}
	fnEnterXIP   = fn{'C', 'X'}
)

func (f fn) code() uint32 { return uint32(f[0]) | uint32(f[1])<<8 }

// xpsrThumb: only the Thumb bit, thread mode.
const xpsrThumb uint32 = 1 << 24

// setupCalls halts the core, puts a BKPT for calls to return to in SRAM
// and resolves the flash functions with the bootrom's table_lookup.
func (s *Session) setupCalls(ctx context.Context) error {
	if s.funcs != nil {
		return nil
	}
	if err := retryWait(ctx, func() error { return s.t.Core.Halt(ctx) }); err != nil {
		return fmt.Errorf("rp2040: halt core 0: %w", err)
	}
	// bkpt #0 twice: the return lands on the first.
	if err := s.t.Write32(ctx, ramBkpt, 0xBE00BE00); err != nil {
		return fmt.Errorf("rp2040: place the return BKPT in SRAM: %w", err)
	}
	var table, lookup uint16
	err := retryWait(ctx, func() (err error) { table, err = s.t.Read16(ctx, romFuncTable); return err })
	if err != nil {
		return fmt.Errorf("rp2040: read the bootrom function table pointer: %w", err)
	}
	err = retryWait(ctx, func() (err error) { lookup, err = s.t.Read16(ctx, romLookup); return err })
	if err != nil {
		return fmt.Errorf("rp2040: read the table_lookup pointer: %w", err)
	}
	funcs := map[fn]uint32{}
	for _, f := range []fn{fnConnect, fnExitXIP, fnErase, fnProgram, fnFlushCache, fnEnterXIP} {
		addr, err := s.call(ctx, uint32(lookup), callTimeout, uint32(table), f.code())
		if err != nil {
			return fmt.Errorf("rp2040: look up bootrom function %q: %w", f[:], err)
		}
		if addr == 0 {
			return fmt.Errorf("rp2040: the bootrom has no function %q", f[:])
		}
		funcs[f] = addr
	}
	s.funcs = funcs
	return nil
}

// start sets up a call of the function at pc with up to four arguments
// and lets the core run; it returns to the BKPT and halts.
func (s *Session) start(ctx context.Context, pc uint32, args ...uint32) error {
	regs := []struct {
		r uint16
		v uint32
	}{
		{drivers.RegSP, ramStack},
		{drivers.RegLR, ramBkpt | 1},
		{drivers.RegPC, pc &^ 1},
		{drivers.RegXPSR, xpsrThumb},
	}
	for i, a := range args {
		regs = append(regs, struct {
			r uint16
			v uint32
		}{drivers.RegR0 + uint16(i), a})
	}
	for _, r := range regs {
		if err := retryWait(ctx, func() error { return s.t.Core.WriteCoreReg(ctx, r.r, r.v) }); err != nil {
			return fmt.Errorf("rp2040: set up a bootrom call: %w", err)
		}
	}
	if err := retryWait(ctx, func() error { return s.t.Core.Resume(ctx) }); err != nil {
		return fmt.Errorf("rp2040: start a bootrom call: %w", err)
	}
	return nil
}

// finish waits for the running call to halt at the BKPT and returns r0.
// A call is never abandoned half way: its own timeout bounds the wait,
// not ctx, so cancellation leaves the core halted at a known point.
func (s *Session) finish(ctx context.Context, timeout time.Duration) (uint32, error) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if err := retryWait(wctx, func() error { return s.t.Core.WaitHalted(wctx) }); err != nil {
		// Stop it anyway, so the chip is in a known state.
		herr := s.t.Core.Halt(context.WithoutCancel(ctx))
		return 0, fmt.Errorf("rp2040: bootrom call did not return within %v (halt: %v): %w", timeout, herr, err)
	}
	var pc, r0 uint32
	err := retryWait(wctx, func() (err error) { pc, err = s.t.Core.ReadCoreReg(wctx, drivers.RegPC); return err })
	if err != nil {
		return 0, fmt.Errorf("rp2040: read PC after a bootrom call: %w", err)
	}
	if pc&^1 != ramBkpt {
		return 0, fmt.Errorf("rp2040: bootrom call stopped at 0x%08X, not at the return BKPT (a fault?)", pc)
	}
	err = retryWait(wctx, func() (err error) { r0, err = s.t.Core.ReadCoreReg(wctx, drivers.RegR0); return err })
	if err != nil {
		return 0, fmt.Errorf("rp2040: read r0 after a bootrom call: %w", err)
	}
	return r0, nil
}

// call runs one function to its end.
func (s *Session) call(ctx context.Context, pc uint32, timeout time.Duration, args ...uint32) (uint32, error) {
	if err := s.start(ctx, pc, args...); err != nil {
		return 0, err
	}
	return s.finish(ctx, timeout)
}

// callFn calls a flash function by code.
func (s *Session) callFn(ctx context.Context, f fn, timeout time.Duration, args ...uint32) error {
	if err := s.setupCalls(ctx); err != nil {
		return err
	}
	if _, err := s.call(ctx, s.funcs[f], timeout, args...); err != nil {
		return fmt.Errorf("%w (function %q)", err, f[:])
	}
	return nil
}

// enterRaw halts the core, brings clk_sys up (clocks.go), connects the
// flash pins and leaves XIP (IF, EX), then sets the SSI divider for the
// clock (see doc.go).
func (s *Session) enterRaw(ctx context.Context) error {
	if s.raw {
		return nil
	}
	if err := s.setupCalls(ctx); err != nil {
		return err
	}
	if !s.noClocks {
		if err := s.setupClocks(ctx); err != nil {
			return err
		}
	}
	if err := s.callFn(ctx, fnConnect, callTimeout); err != nil {
		return err
	}
	if err := s.callFn(ctx, fnExitXIP, callTimeout); err != nil {
		return err
	}
	for _, w := range []struct{ a, v uint32 }{{ssiBase + 0x08, 0}, {ssiBaudr, s.divider()}, {ssiBase + 0x08, 1}} {
		if err := s.t.Write32(ctx, w.a, w.v); err != nil {
			return fmt.Errorf("rp2040: set the SSI clock divider: %w", err)
		}
	}
	s.raw = true
	return nil
}

// leaveRaw flushes the XIP cache and turns XIP back on (FC, CX), so flash
// reads through 0x10000000 see the new contents.
func (s *Session) leaveRaw(ctx context.Context) error {
	if !s.raw {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	if err := s.callFn(ctx, fnFlushCache, callTimeout); err != nil {
		return err
	}
	if err := s.callFn(ctx, fnEnterXIP, callTimeout); err != nil {
		return err
	}
	s.raw = false
	return nil
}
