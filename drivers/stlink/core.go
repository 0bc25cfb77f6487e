package stlink

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Core control goes through the debug registers with WRITEDEBUGREG /
// READDEBUGREG (API v2 has no dedicated halt or run commands; OpenOCD
// stlink_usb_halt/run write DHCSR), and core registers through READREG /
// WRITEREG, which let the probe do the DCRSR/DCRDR handshake.

// pollInterval spaces DHCSR polls: each costs a USB round trip anyway.
const pollInterval = time.Millisecond

// resetHaltTimeout bounds the wait for the core to stop at the reset vector
// when the caller's context has no deadline.
const resetHaltTimeout = time.Second

func (p *Probe) writeDebugReg(ctx context.Context, addr, val uint32) error {
	c := make([]byte, 10)
	c[0], c[1] = cmdDebug, dbgWriteDebugReg
	binary.LittleEndian.PutUint32(c[2:], addr)
	binary.LittleEndian.PutUint32(c[6:], val)
	var r [2]byte
	return p.do(ctx, fmt.Sprintf("writing 0x%08x to 0x%08x", val, addr), c, r[:])
}

func (p *Probe) readDebugReg(ctx context.Context, addr uint32) (uint32, error) {
	c := make([]byte, 6)
	c[0], c[1] = cmdDebug, dbgReadDebugReg
	binary.LittleEndian.PutUint32(c[2:], addr)
	var r [8]byte
	if err := p.do(ctx, fmt.Sprintf("reading 0x%08x", addr), c, r[:]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(r[4:]), nil
}

// Halt stops the core (DHCSR = DBGKEY | C_HALT | C_DEBUGEN).
func (p *Probe) Halt(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.connected {
		return errNotConnected
	}
	return p.writeDebugReg(ctx, regDHCSR, dhcsrKey|dhcsrHalt|dhcsrDebugEn)
}

// Resume lets the core run, debug still enabled (DHCSR = DBGKEY | C_DEBUGEN).
func (p *Probe) Resume(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.connected {
		return errNotConnected
	}
	return p.writeDebugReg(ctx, regDHCSR, dhcsrKey|dhcsrDebugEn)
}

// IsHalted reads DHCSR.S_HALT.
func (p *Probe) IsHalted(ctx context.Context) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.connected {
		return false, errNotConnected
	}
	d, err := p.readDebugReg(ctx, regDHCSR)
	return d&dhcsrSHalt != 0, err
}

// WaitHalted polls DHCSR until the core halts or ctx ends. The lock is
// released between polls so other calls are not starved.
func (p *Probe) WaitHalted(ctx context.Context) error {
	for {
		halted, err := p.IsHalted(ctx)
		if err != nil || halted {
			return err
		}
		if err := p.sleep(ctx, pollInterval); err != nil {
			return fmt.Errorf("stlink: waiting for the core to halt: %w", err)
		}
	}
}

// waitHaltedLocked is WaitHalted for callers that hold the lock.
func (p *Probe) waitHaltedLocked(ctx context.Context) error {
	for {
		d, err := p.readDebugReg(ctx, regDHCSR)
		if err != nil {
			return err
		}
		if d&dhcsrSHalt != 0 {
			return nil
		}
		if err := p.sleep(ctx, pollInterval); err != nil {
			return fmt.Errorf("stlink: waiting for the core to halt after reset: %w", err)
		}
	}
}

// ResetAndHalt resets the system with the core caught at the reset vector:
// halt, set DEMCR.VC_CORERESET, request AIRCR.SYSRESETREQ, wait for
// S_HALT, then restore DEMCR (ARMv7-M ARM C1.6.3; OpenOCD cortex_m
// assert_reset with vector catch).
func (p *Probe) ResetAndHalt(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.connected {
		return errNotConnected
	}
	if err := p.writeDebugReg(ctx, regDHCSR, dhcsrKey|dhcsrHalt|dhcsrDebugEn); err != nil {
		return err
	}
	demcr, err := p.readDebugReg(ctx, regDEMCR)
	if err != nil {
		return err
	}
	if err := p.writeDebugReg(ctx, regDEMCR, demcr|demcrVCReset); err != nil {
		return err
	}
	if err := p.requestReset(ctx); err != nil {
		return err
	}
	wctx := ctx
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(ctx, resetHaltTimeout)
		defer cancel()
	}
	if err := p.waitHaltedLocked(wctx); err != nil {
		return err
	}
	return p.writeDebugReg(ctx, regDEMCR, demcr&^demcrVCReset)
}

// Reset resets the system and lets the firmware run: vector catch off,
// C_HALT cleared (DHCSR survives a system reset), then SYSRESETREQ.
func (p *Probe) Reset(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.connected {
		return errNotConnected
	}
	demcr, err := p.readDebugReg(ctx, regDEMCR)
	if err != nil {
		return err
	}
	if demcr&demcrVCReset != 0 {
		if err := p.writeDebugReg(ctx, regDEMCR, demcr&^demcrVCReset); err != nil {
			return err
		}
	}
	if err := p.writeDebugReg(ctx, regDHCSR, dhcsrKey|dhcsrDebugEn); err != nil {
		return err
	}
	return p.requestReset(ctx)
}

// requestReset writes AIRCR.SYSRESETREQ. The reset can cut the access
// short, so a status error here is expected and logged; link errors are not.
func (p *Probe) requestReset(ctx context.Context) error {
	err := p.writeDebugReg(ctx, regAIRCR, aircrReset)
	var se *StatusError
	if errors.As(err, &se) {
		p.log.Debug("stlink: AIRCR write cut short by the reset", "err", err)
		return nil
	}
	return err
}

// checkRegsel bounds core register numbers: REGSEL is 7 bits, and the
// commands carry it in one byte.
func checkRegsel(reg uint16) error {
	if reg > 0x7F {
		return fmt.Errorf("stlink: core register %d is outside DCRSR.REGSEL (0-127)", reg)
	}
	return nil
}

// ReadCoreReg reads a core register (READREG: 8-byte reply, value at 4).
// The core must be halted.
func (p *Probe) ReadCoreReg(ctx context.Context, reg uint16) (uint32, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.connected {
		return 0, errNotConnected
	}
	if err := checkRegsel(reg); err != nil {
		return 0, err
	}
	var r [8]byte
	if err := p.do(ctx, fmt.Sprintf("reading core register %d", reg), []byte{cmdDebug, dbgReadReg, byte(reg)}, r[:]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(r[4:]), nil
}

// WriteCoreReg writes a core register (WRITEREG). The core must be halted.
func (p *Probe) WriteCoreReg(ctx context.Context, reg uint16, value uint32) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.connected {
		return errNotConnected
	}
	if err := checkRegsel(reg); err != nil {
		return err
	}
	c := []byte{cmdDebug, dbgWriteReg, byte(reg), 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(c[3:], value)
	var r [2]byte
	return p.do(ctx, fmt.Sprintf("writing core register %d", reg), c, r[:])
}
