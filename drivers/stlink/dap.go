package stlink

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/flashstation/flashstation/drivers"
)

// DAP register access over READ_DAP_REG / WRITE_DAP_REG (F2 45/46; V2 J24+
// and V3). The probe has no batching, so every access is one round trip
// and Batch / BlockRead / BlockWrite loop over single accesses. The probe
// handles SELECT, posted reads and RDBUFF itself (OpenOCD stlink_dap_*).

// dpPort is the port number that addresses the DP rather than an AP.
const dpPort = 0xFFFF

// DP register bits OpenOCD keeps away from the ST-Link (stlink_dap_dp_write).
const (
	dpSelect        = 0x8
	dpCtrlStat      = 0x4
	selectDPBank    = 0xF
	ctrlCorunDetect = 1 << 0
)

// matchTimeout bounds host-side polling of a Match read when the caller's
// context has no deadline.
const matchTimeout = time.Second

// DAP returns raw DP/AP register access where the firmware has it (V2 J24
// or newer, every V3). On older firmware it returns a *FeatureError (which
// matches ErrUnsupported), so callers can say why instead of failing at the
// first access. Probe does not itself implement drivers.DAPAccess: a type
// assertion would then claim an ability the probe may not have.
func (p *Probe) DAP() (drivers.DAPAccess, error) {
	if err := p.version.Require(FeatureDAPReg); err != nil {
		return nil, err
	}
	return &dap{p: p}, nil
}

type dap struct{ p *Probe }

var (
	_ drivers.DAPAccess = (*dap)(nil)
	_ drivers.Timed     = (*dap)(nil)
)

// Now is the probe's clock (drivers.Timed).
func (d *dap) Now() time.Duration { return d.p.Now() }

func dapWhat(port uint16, addr uint8) string {
	if port == dpPort {
		return fmt.Sprintf("DP register 0x%02x", addr)
	}
	return fmt.Sprintf("AP%d register 0x%02x", port, addr)
}

// readReg and writeReg need the lock held.
func (d *dap) readReg(ctx context.Context, port uint16, addr uint8) (uint32, error) {
	c := []byte{cmdDebug, dbgReadDAPReg, byte(port), byte(port >> 8), addr, 0}
	var r [8]byte
	if err := d.p.do(ctx, "reading "+dapWhat(port, addr), c, r[:]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(r[4:]), nil
}

func (d *dap) writeReg(ctx context.Context, port uint16, addr uint8, v uint32) error {
	c := []byte{cmdDebug, dbgWriteDAPReg, byte(port), byte(port >> 8), addr, 0, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(c[6:], v)
	var r [2]byte
	return d.p.do(ctx, fmt.Sprintf("writing 0x%08x to %s", v, dapWhat(port, addr)), c, r[:])
}

// dpCheck refuses banked DP registers (bank in bits 7:4) on firmware
// without DP bank selection (V2 before J32, V3 before J2).
func (d *dap) dpCheck(addr uint8) error {
	if !d.p.connected {
		return errNotConnected
	}
	if addr&0xF0 != 0 {
		if err := d.p.version.Require(FeatureDPBankSel); err != nil {
			return fmt.Errorf("%w (DP register 0x%02x in bank %d)", err, addr&0x0F, addr>>4)
		}
	}
	return nil
}

func (d *dap) apCheck(ctx context.Context, apsel uint8) error {
	if !d.p.connected {
		return errNotConnected
	}
	return d.p.openAP(ctx, apsel)
}

func (d *dap) readDP(ctx context.Context, addr uint8) (uint32, error) {
	if err := d.dpCheck(addr); err != nil {
		return 0, err
	}
	return d.readReg(ctx, dpPort, addr)
}

func (d *dap) writeDP(ctx context.Context, addr uint8, v uint32) error {
	if err := d.dpCheck(addr); err != nil {
		return err
	}
	switch addr {
	case dpSelect:
		// The probe keeps the DP bank itself; a stray DPBANKSEL would
		// desynchronise it (OpenOCD clears it too).
		v &^= selectDPBank
	case dpCtrlStat:
		v &^= ctrlCorunDetect // ST-Link does not cope with overrun detection (OpenOCD)
	}
	return d.writeReg(ctx, dpPort, addr, v)
}

func (d *dap) readAP(ctx context.Context, apsel, addr uint8) (uint32, error) {
	if err := d.apCheck(ctx, apsel); err != nil {
		return 0, err
	}
	return d.readReg(ctx, uint16(apsel), addr)
}

func (d *dap) writeAP(ctx context.Context, apsel, addr uint8, v uint32) error {
	if err := d.apCheck(ctx, apsel); err != nil {
		return err
	}
	return d.writeReg(ctx, uint16(apsel), addr, v)
}

func (d *dap) ReadDP(ctx context.Context, addr uint8) (uint32, error) {
	d.p.mu.Lock()
	defer d.p.mu.Unlock()
	return d.readDP(ctx, addr)
}

func (d *dap) WriteDP(ctx context.Context, addr uint8, value uint32) error {
	d.p.mu.Lock()
	defer d.p.mu.Unlock()
	return d.writeDP(ctx, addr, value)
}

func (d *dap) ReadAP(ctx context.Context, apsel, addr uint8) (uint32, error) {
	d.p.mu.Lock()
	defer d.p.mu.Unlock()
	return d.readAP(ctx, apsel, addr)
}

func (d *dap) WriteAP(ctx context.Context, apsel, addr uint8, value uint32) error {
	d.p.mu.Lock()
	defer d.p.mu.Unlock()
	return d.writeAP(ctx, apsel, addr, value)
}

// Batch runs ops one by one; a Match read is polled from the host.
func (d *dap) Batch(ctx context.Context, ops []drivers.DAPOp) error {
	d.p.mu.Lock()
	defer d.p.mu.Unlock()
	for i, op := range ops {
		if err := d.runOp(ctx, op); err != nil {
			return fmt.Errorf("%w (DAP batch op %d)", err, i)
		}
	}
	return nil
}

func (d *dap) runOp(ctx context.Context, op drivers.DAPOp) error {
	if op.Write {
		if op.AP {
			return d.writeAP(ctx, op.APSel, op.Addr, op.Value)
		}
		return d.writeDP(ctx, op.Addr, op.Value)
	}
	read := func() (uint32, error) {
		if op.AP {
			return d.readAP(ctx, op.APSel, op.Addr)
		}
		return d.readDP(ctx, op.Addr)
	}
	if op.Match == nil {
		v, err := read()
		if err == nil && op.Result != nil {
			*op.Result = v
		}
		return err
	}
	mctx := ctx
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		mctx, cancel = context.WithTimeout(ctx, matchTimeout)
		defer cancel()
	}
	for {
		v, err := read()
		if err != nil {
			return err
		}
		if op.Result != nil {
			*op.Result = v
		}
		if v&op.Match.Mask == op.Match.Value {
			return nil
		}
		if err := d.p.sleep(mctx, pollInterval); err != nil {
			return fmt.Errorf("stlink: polling %s for 0x%08x under mask 0x%08x, last 0x%08x: %w",
				dapWhat(portOf(op), op.Addr), op.Match.Value, op.Match.Mask, v, err)
		}
	}
}

func portOf(op drivers.DAPOp) uint16 {
	if op.AP {
		return uint16(op.APSel)
	}
	return dpPort
}

// BlockRead reads len(dst) words from one AP register, one access each.
func (d *dap) BlockRead(ctx context.Context, apsel, addr uint8, dst []uint32) error {
	d.p.mu.Lock()
	defer d.p.mu.Unlock()
	for i := range dst {
		v, err := d.readAP(ctx, apsel, addr)
		if err != nil {
			return fmt.Errorf("%w (block read, word %d)", err, i)
		}
		dst[i] = v
	}
	return nil
}

// BlockWrite writes src to one AP register, one access each.
func (d *dap) BlockWrite(ctx context.Context, apsel, addr uint8, src []uint32) error {
	d.p.mu.Lock()
	defer d.p.mu.Unlock()
	for i, v := range src {
		if err := d.writeAP(ctx, apsel, addr, v); err != nil {
			return fmt.Errorf("%w (block write, word %d)", err, i)
		}
	}
	return nil
}
