package stlink

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/flashstation/flashstation/drivers"
)

// Cortex-M debug registers used here (probes.md §3.6; ARMv7-M ARM C1.6).
const (
	regCPUID = 0xE000ED00
	regAIRCR = 0xE000ED0C
	regDHCSR = 0xE000EDF0
	regDEMCR = 0xE000EDFC

	dhcsrKey      = 0xA05F0000
	dhcsrDebugEn  = 1 << 0
	dhcsrHalt     = 1 << 1
	dhcsrSHalt    = 1 << 17
	aircrReset    = 0x05FA0004 // VECTKEY | SYSRESETREQ
	demcrVCReset  = 1 << 0
	nrstLow       = 0x00
	nrstHigh      = 0x01
	tarBlockSmall = 1024
	tarBlockLarge = 4096
)

// Connect enters SWD and returns the DP's DPIDR. The order follows OpenOCD
// stlink_usb_init_mode: set the clock, (assert nRESET), APIV2_ENTER SWD,
// (assert nRESET again, now the probe knows which pin), INIT_AP 0 on
// firmware that needs it, READ_IDCODES. It then reads CPUID to size the
// TAR auto-increment window (4 KiB on Cortex-M3/M4, else 1 KiB; OpenOCD
// stlink_open). With UnderReset it halts the core and releases nRESET, so
// no firmware runs. ST-Link speaks SWD only here: JTAG and multidrop
// (TargetSel) are refused with a clear error.
func (p *Probe) Connect(ctx context.Context, opts drivers.ConnectOptions) (uint32, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if opts.Protocol != drivers.SWD {
		return 0, fmt.Errorf("stlink: %s is not supported by this driver; connect with SWD", opts.Protocol)
	}
	if opts.TargetSel != nil {
		return 0, fmt.Errorf("stlink: ST-Link cannot select a multidrop SWD target (TARGETSEL 0x%08x); use a CMSIS-DAP probe", *opts.TargetSel)
	}
	if p.connected {
		// Reconnecting: leave the old session first, as OpenOCD does, so
		// the probe re-reads the target from scratch.
		if err := p.disconnect(ctx); err != nil {
			return 0, err
		}
	}
	khz := opts.ClockHz / 1000
	if khz == 0 {
		khz = DefaultClockKHz
	}
	if err := p.setClock(ctx, khz); err != nil {
		return 0, err
	}
	if opts.UnderReset {
		// Before entering the probe may not know which pin; errors here
		// are expected on some firmware, the second assert is checked.
		if err := p.driveNRST(ctx, nrstLow); err != nil {
			p.log.Debug("stlink: early nRESET assert", "err", err)
		}
	}
	var r [2]byte
	if err := p.do(ctx, "entering SWD mode", []byte{cmdDebug, dbgEnter, enterSWD}, r[:]); err != nil {
		return 0, p.noTarget(ctx, err)
	}
	p.connected = true
	clear(p.apOpen[:])
	if opts.UnderReset {
		if err := p.driveNRST(ctx, nrstLow); err != nil {
			return 0, err
		}
	}
	if err := p.openAP(ctx, 0); err != nil {
		return 0, err
	}
	dpidr, err := p.readIDCodes(ctx)
	if err != nil {
		return 0, err
	}
	p.sizeTARBlock(ctx)
	if opts.UnderReset {
		if err := p.writeDebugReg(ctx, regDHCSR, dhcsrKey|dhcsrHalt|dhcsrDebugEn); err != nil {
			return 0, err
		}
		if err := p.driveNRST(ctx, nrstHigh); err != nil {
			return 0, err
		}
	}
	p.log.Debug("stlink: connected", "serial", p.id.Serial, "dpidr", fmt.Sprintf("%08x", dpidr),
		"clock_khz", p.clockKHz, "tar_block", p.tarBlock)
	return dpidr, nil
}

// readIDCodes reads the DP IDCODE (READ_IDCODES: 12-byte reply, status at
// 0, IDCODE at 4). A failure or an IDCODE of 0 means nothing answered.
func (p *Probe) readIDCodes(ctx context.Context) (uint32, error) {
	var r [12]byte
	if err := p.do(ctx, "reading the DP IDCODE", []byte{cmdDebug, dbgReadIDCodes}, r[:]); err != nil {
		return 0, p.noTarget(ctx, err)
	}
	id := binary.LittleEndian.Uint32(r[4:8])
	if id == 0 {
		return 0, p.noTarget(ctx, fmt.Errorf("reading the DP IDCODE: %w", errDPIDRZero))
	}
	return id, nil
}

// NoTargetError: the probe is fine but nothing answers on SWD. It matches
// ErrNoTarget and wraps the probe's own complaint.
type NoTargetError struct {
	Cause error
	Volts float64 // target voltage, or -1 when the probe cannot measure it
}

func (e *NoTargetError) Error() string {
	s := "stlink: " + ErrNoTarget.Error()
	if e.Volts >= 0 {
		s += fmt.Sprintf(" (target voltage %.2f V)", e.Volts)
	}
	var se *StatusError
	if errors.As(e.Cause, &se) {
		// The class is already said; keep the probe's own words short.
		return s + fmt.Sprintf(": %s: %s 0x%02x", se.Op, se.Status, uint8(se.Status))
	}
	return s + ": " + e.Cause.Error()
}

func (e *NoTargetError) Unwrap() []error { return []error{ErrNoTarget, e.Cause} }

// noTarget turns a failed SWD bring-up into a NoTargetError when the
// failure says nothing answered; the measured voltage tells the operator
// whether the board is powered. Link errors pass through unchanged.
func (p *Probe) noTarget(ctx context.Context, err error) error {
	var se *StatusError
	silent := errors.Is(err, errDPIDRZero) ||
		(errors.As(err, &se) && (errors.Is(se, ErrNoTarget) || errors.Is(se, ErrWire)))
	if !silent {
		return err
	}
	volts := -1.0
	if v, verr := p.targetVoltage(ctx); verr == nil {
		volts = v
	}
	return &NoTargetError{Cause: err, Volts: volts}
}

var errDPIDRZero = errors.New("DPIDR reads 0")

// sizeTARBlock reads CPUID: Cortex-M3 (C23) and M4 (C24) have a 4 KiB TAR
// auto-increment window, others 1 KiB. A failed read keeps 1 KiB, the
// window every MEM-AP guarantees.
func (p *Probe) sizeTARBlock(ctx context.Context) {
	p.tarBlock = tarBlockSmall
	var b [4]byte
	if err := p.readMem(ctx, dbgReadMem32, "reading CPUID", regCPUID, b[:]); err != nil {
		p.log.Debug("stlink: CPUID unreadable; using 1 KiB TAR blocks", "err", err)
		return
	}
	if part := (binary.LittleEndian.Uint32(b[:]) >> 4) & 0xF; part == 3 || part == 4 {
		p.tarBlock = tarBlockLarge
	}
}

// Disconnect leaves debug mode (DEBUG EXIT, no reply); the probe stays open.
func (p *Probe) Disconnect(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.disconnect(ctx)
}

func (p *Probe) disconnect(ctx context.Context) error {
	p.connected = false
	clear(p.apOpen[:]) // leaving debug mode closes every AP (OpenOCD)
	return p.xfer(ctx, "DEBUG_EXIT", []byte{cmdDebug, dbgExit}, nil, nil)
}

// openAP sends INIT_AP once per AP on firmware that requires it (V2 J28+,
// V3) before any access through that AP (OpenOCD stlink_usb_open_ap).
func (p *Probe) openAP(ctx context.Context, ap uint8) error {
	if !p.version.Has(FeatureInitAP) || p.apOpen[ap] {
		return nil
	}
	var r [2]byte
	if err := p.do(ctx, fmt.Sprintf("INIT_AP %d", ap), []byte{cmdDebug, dbgInitAP, ap}, r[:]); err != nil {
		return err
	}
	p.apOpen[ap] = true
	return nil
}

// driveNRST sets the nRESET line: 0 low, 1 high (DRIVE_NRST).
func (p *Probe) driveNRST(ctx context.Context, level byte) error {
	var r [2]byte
	op := "releasing nRESET"
	if level == nrstLow {
		op = "asserting nRESET"
	}
	return p.do(ctx, op, []byte{cmdDebug, dbgDriveNRST, level}, r[:])
}

// HardReset pulls nRESET low for d, then releases it. The probe drives the
// pin in any mode, but older firmware only knows which pin after SWD entry,
// so call it after Connect where possible.
func (p *Probe) HardReset(ctx context.Context, d time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.driveNRST(ctx, nrstLow); err != nil {
		return err
	}
	if err := p.sleep(ctx, d); err != nil {
		// Never leave the board held in reset because the caller gave up.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		return errors.Join(fmt.Errorf("stlink: holding nRESET: %w", err), p.driveNRST(rctx, nrstHigh))
	}
	return p.driveNRST(ctx, nrstHigh)
}
