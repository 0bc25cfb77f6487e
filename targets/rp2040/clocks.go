package rp2040

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/flashstation/flashstation/targets"
)

// clockSource is what clk_sys runs from while the session works.
type clockSource int

const (
	clkUnset clockSource = iota // not looked at yet in this session
	clkROSC                     // the ring oscillator, as after a chip reset
	clkPLL                      // PLL_SYS from the crystal: sysPLL.outHz()
)

// Flash clock limits (Winbond W25Q16JV, AC electrical characteristics):
// 03h Read Data at most 50 MHz, every other instruction 133 MHz. The
// bootrom's flash_enter_cmd_xip leaves XIP issuing 03h reads, and verify
// reads through XIP, so 50 MHz bounds the SSI clock.
const flashReadMaxHz = 50_000_000

// roscMaxHz: the ring oscillator after reset runs at a nominal 6.5 MHz,
// anywhere from 1.8 to 12 MHz over process, voltage and temperature
// (datasheet §2.17.1).
const roscMaxHz = 12_000_000

// Deadlines for the clock hardware, in wall time. The crystal starts in
// about 1 ms (STARTUP DELAY 47), the PLL locks in well under that, a
// glitchless switch takes a few cycles of the slower clock; these leave
// room for USB round trips, and only cost the fallback when they pass.
const (
	xoscTimeout   = 100 * time.Millisecond
	pllTimeout    = 100 * time.Millisecond
	switchTimeout = 50 * time.Millisecond
)

// ssiDivider is the smallest SSI BAUDR that keeps the flash clock
// clkHz/BAUDR within maxHz. BAUDR must be even and at least 2 (§4.10.12,
// SCKDV: bit 0 reads as 0).
func ssiDivider(clkHz, maxHz uint32) uint32 {
	d := (clkHz + maxHz - 1) / maxHz
	d += d & 1
	return max(d, 2)
}

// setupClocks runs clk_sys from PLL_SYS at 125 MHz fed by the 12 MHz
// crystal, in the order of the datasheet (§2.15.6.1, §2.16, §2.18.2) and
// the SDK's clocks_init: clk_sys onto clk_ref, crystal on and stable,
// clk_ref onto the crystal, PLL_SYS reset, programmed and locked, clk_sys
// aux onto pll_sys, then clk_sys onto aux. The core must be halted.
//
// A board without a crystal, or a chip that does not answer as the
// datasheet says, must not fail the flash: any step that fails puts the
// clocks back as a chip reset leaves them (ring oscillator) and says so
// in the step's log. Only cancellation is returned.
func (s *Session) setupClocks(ctx context.Context) error {
	if s.clk != clkUnset {
		return nil
	}
	if err := s.clocksAnswer(ctx); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("rp2040: clock setup: %w", ctx.Err())
		}
		// Nothing was written: nothing to put back.
		s.clk = clkROSC
		targets.Logf(ctx, slog.LevelWarn, "rp2040: staying on the ring oscillator (~6.5 MHz; flash work is slower): %v", err)
		return nil
	}
	err := s.startPLL(ctx)
	if err == nil {
		s.clk = clkPLL
		targets.Logf(ctx, slog.LevelInfo, "rp2040: clk_sys %d MHz from PLL_SYS on the 12 MHz crystal; flash SPI clock %d MHz (SSI divider %d)",
			sysPLL.outHz()/1_000_000, sysPLL.outHz()/s.autoDivider()/1_000_000, s.autoDivider())
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("rp2040: clock setup: %w", ctx.Err())
	}
	rerr := s.restoreClocks(context.WithoutCancel(ctx))
	s.clk = clkROSC
	msg := fmt.Sprintf("rp2040: staying on the ring oscillator (~6.5 MHz; flash work is slower): %v", err)
	if rerr != nil {
		msg += fmt.Sprintf("; putting the clocks back also failed: %v", rerr)
	}
	targets.Logf(ctx, slog.LevelWarn, "%s", msg)
	return nil
}

// autoDivider is the SSI divider for the clock the session set up.
func (s *Session) autoDivider() uint32 {
	if s.clk == clkPLL {
		return ssiDivider(sysPLL.outHz(), flashReadMaxHz)
	}
	return ssiDivider(roscMaxHz, flashReadMaxHz)
}

// divider is the SSI divider flash work uses: SetSPIDivider's, or the
// one that suits the clock.
func (s *Session) divider() uint32 {
	if s.baudr != 0 {
		return s.baudr
	}
	return s.autoDivider()
}

// clocksAnswer reads the two glitchless muxes before anything is
// written: with nothing switching, SELECTED is one-hot (§2.15.7), so
// anything else means the registers are not what the datasheet
// describes and the chip is left alone.
func (s *Session) clocksAnswer(ctx context.Context) error {
	for _, r := range []struct {
		addr uint32
		name string
	}{{clkRefSelected, "CLK_REF_SELECTED"}, {clkSysSelected, "CLK_SYS_SELECTED"}} {
		v, err := s.t.Read32(ctx, r.addr)
		if err != nil {
			return fmt.Errorf("read %s: %w", r.name, err)
		}
		if v == 0 || v&(v-1) != 0 {
			return fmt.Errorf("%s reads 0x%08X, not one-hot: the clock registers do not answer as the datasheet says", r.name, v)
		}
	}
	return nil
}

// startPLL is the switch itself; an error names the step that failed.
func (s *Session) startPLL(ctx context.Context) error {
	if !sysPLL.valid() {
		return fmt.Errorf("PLL_SYS setting %+v is outside the datasheet's limits", sysPLL)
	}
	// clk_sys off any aux source (a running firmware may have it on
	// pll_sys), so PLL_SYS may be reset under it.
	if err := s.t.Write32(ctx, clkSysCtrl+aliasClr, clkSysSrcAux); err != nil {
		return fmt.Errorf("switch clk_sys to clk_ref: %w", err)
	}
	if err := s.waitSelected(ctx, clkSysSelected, 1<<0, "clk_sys on clk_ref"); err != nil {
		return err
	}
	// XOSC: one write of both fields. The SDK writes FREQ_RANGE alone,
	// then sets ENABLE through the set alias; the whole-register write is
	// the same end state without passing through an invalid ENABLE code.
	if err := s.t.Write32(ctx, xoscStartup, xoscStartupDelay); err != nil {
		return fmt.Errorf("set XOSC STARTUP: %w", err)
	}
	if err := s.t.Write32(ctx, xoscCtrl, xoscEnable|xoscRange1to15); err != nil {
		return fmt.Errorf("enable XOSC: %w", err)
	}
	if _, err := s.t.WaitFor(ctx, xoscStatus, xoscStable, xoscStable, xoscTimeout); err != nil {
		return fmt.Errorf("the crystal oscillator never reported STABLE (no crystal on this board?): %w", err)
	}
	if err := s.setRefSource(ctx, clkRefSrcXOSC); err != nil {
		return err
	}
	if err := s.t.Write32(ctx, clkRefDiv, clkDivOne); err != nil {
		return fmt.Errorf("set clk_ref divider: %w", err)
	}
	// PLL_SYS from reset: whatever a firmware left in it is gone.
	if err := s.t.Write32(ctx, resetsReset+aliasSet, resetPLLSys); err != nil {
		return fmt.Errorf("reset PLL_SYS: %w", err)
	}
	if err := s.t.Write32(ctx, resetsReset+aliasClr, resetPLLSys); err != nil {
		return fmt.Errorf("release PLL_SYS from reset: %w", err)
	}
	if _, err := s.t.WaitFor(ctx, resetsDone, resetPLLSys, resetPLLSys, switchTimeout); err != nil {
		return fmt.Errorf("PLL_SYS never left reset (RESET_DONE): %w", err)
	}
	for _, w := range []struct {
		a, v uint32
		what string
	}{
		{pllCS, sysPLL.refDiv, "set PLL_SYS REFDIV"},
		{pllFBDiv, sysPLL.fbDiv, "set PLL_SYS FBDIV"},
		{pllPwr + aliasClr, pllPwrPD | pllPwrVCOPD, "power PLL_SYS up"},
	} {
		if err := s.t.Write32(ctx, w.a, w.v); err != nil {
			return fmt.Errorf("%s: %w", w.what, err)
		}
	}
	if _, err := s.t.WaitFor(ctx, pllCS, pllLock, pllLock, pllTimeout); err != nil {
		return fmt.Errorf("PLL_SYS never locked: %w", err)
	}
	if err := s.t.Write32(ctx, pllPrim, sysPLL.prim()); err != nil {
		return fmt.Errorf("set PLL_SYS post dividers: %w", err)
	}
	if err := s.t.Write32(ctx, pllPwr+aliasClr, pllPwrPostDivPD); err != nil {
		return fmt.Errorf("power the PLL_SYS post dividers up: %w", err)
	}
	// AUXSRC glitches, so it changes while SRC still selects clk_ref.
	if err := s.t.Write32(ctx, clkSysCtrl+aliasClr, clkSysAuxMask); err != nil {
		return fmt.Errorf("select pll_sys as clk_sys aux source: %w", err)
	}
	if err := s.t.Write32(ctx, clkSysCtrl+aliasSet, clkSysSrcAux); err != nil {
		return fmt.Errorf("switch clk_sys to pll_sys: %w", err)
	}
	if err := s.waitSelected(ctx, clkSysSelected, 1<<clkSysSrcAux, "clk_sys on pll_sys"); err != nil {
		return err
	}
	if err := s.t.Write32(ctx, clkSysDiv, clkDivOne); err != nil {
		return fmt.Errorf("set clk_sys divider: %w", err)
	}
	return nil
}

// restoreClocks puts clk_sys and clk_ref back on the ring oscillator,
// PLL_SYS into reset and the crystal off: the clock state after a chip
// reset. The crystal stays on when clk_ref would not leave it (the
// datasheet warns that disabling a used XOSC locks the chip up).
func (s *Session) restoreClocks(ctx context.Context) error {
	var errs []error
	if err := s.t.Write32(ctx, clkSysCtrl+aliasClr, clkSysSrcAux); err != nil {
		errs = append(errs, fmt.Errorf("switch clk_sys to clk_ref: %w", err))
	} else if err := s.waitSelected(ctx, clkSysSelected, 1<<0, "clk_sys on clk_ref"); err != nil {
		errs = append(errs, err)
	}
	if err := s.t.Write32(ctx, clkSysDiv, clkDivOne); err != nil {
		errs = append(errs, fmt.Errorf("set clk_sys divider: %w", err))
	}
	refOff := s.setRefSource(ctx, clkRefSrcROSC)
	if refOff != nil {
		errs = append(errs, refOff)
	}
	if err := s.t.Write32(ctx, clkRefDiv, clkDivOne); err != nil {
		errs = append(errs, fmt.Errorf("set clk_ref divider: %w", err))
	}
	if len(errs) == 0 {
		// Nothing runs from PLL_SYS any more: hold it in reset (powered
		// down, as after a chip reset).
		if err := s.t.Write32(ctx, resetsReset+aliasSet, resetPLLSys); err != nil {
			errs = append(errs, fmt.Errorf("reset PLL_SYS: %w", err))
		}
	}
	if refOff == nil {
		if err := s.t.Write32(ctx, xoscCtrl, xoscDisable|xoscRange1to15); err != nil {
			errs = append(errs, fmt.Errorf("disable XOSC: %w", err))
		}
	}
	return errors.Join(errs...)
}

// setRefSource switches clk_ref's glitchless mux to src and waits for it.
func (s *Session) setRefSource(ctx context.Context, src uint32) error {
	ctrl, err := s.t.Read32(ctx, clkRefCtrl)
	if err != nil {
		return fmt.Errorf("read clk_ref CTRL: %w", err)
	}
	if err := s.t.Write32(ctx, clkRefCtrl, ctrl&^clkRefSrcMask|src); err != nil {
		return fmt.Errorf("switch clk_ref to source %d: %w", src, err)
	}
	return s.waitSelected(ctx, clkRefSelected, 1<<src, fmt.Sprintf("clk_ref on source %d", src))
}

// waitSelected waits for a glitchless mux to report the one-hot want.
func (s *Session) waitSelected(ctx context.Context, reg, want uint32, what string) error {
	if _, err := s.t.WaitFor(ctx, reg, 0xFFFFFFFF, want, switchTimeout); err != nil {
		return fmt.Errorf("%s never reported SELECTED: %w", what, err)
	}
	return nil
}

// leaveClocks undoes setupClocks before the session lets go of the chip
// (reset, close): a core reset on the RP2040 resets only the core, not
// the clocks (datasheet §2.4.2.9), so without this the firmware would
// start at 125 MHz on PLL_SYS instead of the ring oscillator a chip reset
// gives. pico-sdk firmware copes with either; firmware written for the
// reset clocks would not.
func (s *Session) leaveClocks(ctx context.Context) error {
	if s.clk != clkPLL {
		s.clk = clkUnset
		return nil
	}
	err := s.restoreClocks(ctx)
	s.clk = clkUnset
	if err != nil {
		return fmt.Errorf("rp2040: put the clocks back on the ring oscillator: %w", err)
	}
	return nil
}
