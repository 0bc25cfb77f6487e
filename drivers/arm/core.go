package arm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flashstation/flashstation/drivers"
)

// Cortex-M debug and system registers (ARMv7-M C1.6, B3.2.6).
const (
	DHCSR uint32 = 0xE000EDF0
	DCRSR uint32 = 0xE000EDF4
	DCRDR uint32 = 0xE000EDF8
	DEMCR uint32 = 0xE000EDFC
	AIRCR uint32 = 0xE000ED0C

	dhcsrKey      uint32 = 0xA05F << 16
	dhcsrDebugEn  uint32 = 1 << 0
	dhcsrHalt     uint32 = 1 << 1
	dhcsrSRegRdy  uint32 = 1 << 16
	dhcsrSHalt    uint32 = 1 << 17
	dhcsrSResetSt uint32 = 1 << 25

	dcrsrWrite     uint32 = 1 << 16
	demcrVCCoreRst uint32 = 1 << 0
	aircrKey       uint32 = 0x05FA << 16
	aircrSysReset  uint32 = 1 << 2
)

// Timeouts for steps the core takes on its own time.
const (
	HaltTimeout  = 100 * time.Millisecond
	ResetTimeout = 500 * time.Millisecond
	RegTimeout   = 50 * time.Millisecond
)

// Core is Cortex-M run control over any MemoryAccess. It uses on-probe
// polling when the access also implements drivers.MemoryPoller.
type Core struct {
	mem drivers.MemoryAccess
}

var _ drivers.CoreControl = (*Core)(nil)

// NewCore returns run control through mem.
func NewCore(mem drivers.MemoryAccess) *Core { return &Core{mem: mem} }

func (c *Core) read(ctx context.Context, addr uint32) (uint32, error) {
	var v [1]uint32
	if err := c.mem.ReadMemory32(ctx, addr, v[:]); err != nil {
		return 0, err
	}
	return v[0], nil
}

func (c *Core) write(ctx context.Context, addr, v uint32) error {
	return c.mem.WriteMemory32(ctx, addr, []uint32{v})
}

// waitFor polls addr until value&mask == want within d on the probe's
// clock (drivers.Deadline: checked between reads, never cancelling one),
// or until ctx ends. Read errors are retried until then: during a reset
// the AP may answer FAULT or WAIT for a while.
func (c *Core) waitFor(ctx context.Context, addr, mask, want uint32, d time.Duration) (reading, error) {
	dl := drivers.NewDeadline(c.mem, d)
	var got reading
	var lastErr error
	if p, ok := c.mem.(drivers.MemoryPoller); ok {
		v, err := p.PollMemory32(ctx, addr, mask, want, d)
		if err == nil {
			return reading{v, true}, nil
		}
		if errors.Is(err, drivers.ErrPollTimeout) {
			got = reading{v, true} // a poll that ran out read a value
		}
		if ctx.Err() != nil || dl.Passed() {
			return got, err
		}
		lastErr = err
	}
	for {
		v, err := c.read(ctx, addr)
		if err == nil {
			got = reading{v, true}
			if v&mask == want {
				return got, nil
			}
		} else {
			lastErr = err
		}
		if ctx.Err() != nil {
			if lastErr != nil {
				return got, fmt.Errorf("%w (last read: %v)", ctx.Err(), lastErr)
			}
			return got, ctx.Err()
		}
		if dl.Passed() {
			if lastErr != nil {
				return got, fmt.Errorf("%w after %v (last read: %v)", drivers.ErrPollTimeout, d, lastErr)
			}
			return got, fmt.Errorf("%w after %v", drivers.ErrPollTimeout, d)
		}
	}
}

// Halt stops the core and waits until it reports S_HALT.
func (c *Core) Halt(ctx context.Context) error {
	if err := c.write(ctx, DHCSR, dhcsrKey|dhcsrDebugEn|dhcsrHalt); err != nil {
		return fmt.Errorf("arm: halt: %w", err)
	}
	if v, err := c.waitFor(ctx, DHCSR, dhcsrSHalt, dhcsrSHalt, HaltTimeout); err != nil {
		return fmt.Errorf("arm: halt: core did not halt (DHCSR %v): %w", v, err)
	}
	return nil
}

// Resume lets the core run, keeping debug enabled.
func (c *Core) Resume(ctx context.Context) error {
	if err := c.write(ctx, DHCSR, dhcsrKey|dhcsrDebugEn); err != nil {
		return fmt.Errorf("arm: resume: %w", err)
	}
	return nil
}

// IsHalted reads DHCSR.S_HALT.
func (c *Core) IsHalted(ctx context.Context) (bool, error) {
	v, err := c.read(ctx, DHCSR)
	if err != nil {
		return false, fmt.Errorf("arm: read DHCSR: %w", err)
	}
	return v&dhcsrSHalt != 0, nil
}

// WaitHalted returns once the core halts, or ctx ends.
func (c *Core) WaitHalted(ctx context.Context) error {
	for {
		v, err := c.waitFor(ctx, DHCSR, dhcsrSHalt, dhcsrSHalt, time.Hour)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("arm: wait for halt (DHCSR %v): %w", v, err)
		}
	}
}

// ResetAndHalt sets the reset vector catch, requests a system reset and
// waits for the core to stop at the reset vector, then removes the catch.
func (c *Core) ResetAndHalt(ctx context.Context) error {
	if err := c.write(ctx, DHCSR, dhcsrKey|dhcsrDebugEn); err != nil {
		return fmt.Errorf("arm: reset and halt: enable debug: %w", err)
	}
	demcr, err := c.read(ctx, DEMCR)
	if err != nil {
		return fmt.Errorf("arm: reset and halt: read DEMCR: %w", err)
	}
	if err := c.write(ctx, DEMCR, demcr|demcrVCCoreRst); err != nil {
		return fmt.Errorf("arm: reset and halt: set VC_CORERESET: %w", err)
	}
	// The write that resets the system may not be acknowledged; the halt
	// that follows is the evidence that counts.
	aerr := c.write(ctx, AIRCR, aircrKey|aircrSysReset)
	v, err := c.waitFor(ctx, DHCSR, dhcsrSHalt, dhcsrSHalt, ResetTimeout)
	if err != nil {
		return fmt.Errorf("arm: reset and halt: core did not halt at the reset vector (DHCSR %v): %w", v, errors.Join(err, aerr))
	}
	if err := c.write(ctx, DEMCR, demcr&^demcrVCCoreRst); err != nil {
		return fmt.Errorf("arm: reset and halt: clear VC_CORERESET: %w", err)
	}
	return nil
}

// Reset resets the system and lets the firmware run.
func (c *Core) Reset(ctx context.Context) error {
	demcr, err := c.read(ctx, DEMCR)
	if err != nil {
		return fmt.Errorf("arm: reset: read DEMCR: %w", err)
	}
	if err := c.write(ctx, DEMCR, demcr&^demcrVCCoreRst); err != nil {
		return fmt.Errorf("arm: reset: clear VC_CORERESET: %w", err)
	}
	// Run first: C_HALT survives a system reset.
	if err := c.write(ctx, DHCSR, dhcsrKey|dhcsrDebugEn); err != nil {
		return fmt.Errorf("arm: reset: %w", err)
	}
	aerr := c.write(ctx, AIRCR, aircrKey|aircrSysReset)
	// S_RESET_ST is set by the reset and cleared by the read: proof it
	// happened even when the AIRCR write went unacknowledged.
	v, err := c.waitFor(ctx, DHCSR, dhcsrSResetSt, dhcsrSResetSt, ResetTimeout)
	if err != nil {
		return fmt.Errorf("arm: reset: no reset seen (DHCSR %v): %w", v, errors.Join(err, aerr))
	}
	return nil
}

// ReadCoreReg reads a core register (DCRSR REGSEL) of the halted core.
func (c *Core) ReadCoreReg(ctx context.Context, reg uint16) (uint32, error) {
	if err := c.write(ctx, DCRSR, uint32(reg)&0x7F); err != nil {
		return 0, fmt.Errorf("arm: read core register %d: %w", reg, err)
	}
	if _, err := c.waitFor(ctx, DHCSR, dhcsrSRegRdy, dhcsrSRegRdy, RegTimeout); err != nil {
		return 0, fmt.Errorf("arm: read core register %d: S_REGRDY never set (is the core halted?): %w", reg, err)
	}
	v, err := c.read(ctx, DCRDR)
	if err != nil {
		return 0, fmt.Errorf("arm: read core register %d: %w", reg, err)
	}
	return v, nil
}

// WriteCoreReg writes a core register of the halted core.
func (c *Core) WriteCoreReg(ctx context.Context, reg uint16, value uint32) error {
	if err := c.write(ctx, DCRDR, value); err != nil {
		return fmt.Errorf("arm: write core register %d: %w", reg, err)
	}
	if err := c.write(ctx, DCRSR, dcrsrWrite|uint32(reg)&0x7F); err != nil {
		return fmt.Errorf("arm: write core register %d: %w", reg, err)
	}
	if _, err := c.waitFor(ctx, DHCSR, dhcsrSRegRdy, dhcsrSRegRdy, RegTimeout); err != nil {
		return fmt.Errorf("arm: write core register %d: S_REGRDY never set (is the core halted?): %w", reg, err)
	}
	return nil
}
