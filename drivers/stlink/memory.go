package stlink

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
)

var errNotConnected = errors.New("stlink: not connected to a target: call Connect first")

// memLimits are the chunking limits for this probe and target.
func (p *Probe) memLimits() limits {
	lim := limits{max8: maxRW8, tarBlock: p.tarBlock}
	if p.version.Has(FeatureRW8Large) {
		lim.max8 = maxRW8V3
	}
	return lim
}

// memCommand builds READ/WRITEMEM_*: addr u32, len u16, AP u8, CSW[31:8]
// u24 (probes.md §2.3). AP 0 and CSW 0 ask for the probe's defaults, which
// every firmware accepts (CSW bits need V2J32/V3J2).
func memCommand(sub byte, addr uint32, n int) []byte {
	c := make([]byte, 13)
	c[0], c[1] = cmdDebug, sub
	binary.LittleEndian.PutUint32(c[2:], addr)
	binary.LittleEndian.PutUint16(c[6:], uint16(n))
	return c
}

// rwStatus asks how the last memory command went: GETLASTRWSTATUS2
// (12-byte reply, V2 J15+ and V3) or GETLASTRWSTATUS (2 bytes). Reads and
// writes do not carry a status of their own, so this is the only check.
func (p *Probe) rwStatus(ctx context.Context, op string) error {
	if p.version.Has(FeatureRWStatus2) {
		var r [12]byte
		if err := p.xfer(ctx, "GETLASTRWSTATUS2", []byte{cmdDebug, dbgLastRWStatus2}, nil, r[:]); err != nil {
			return err
		}
		return checkStatus(op, r[:])
	}
	var r [2]byte
	if err := p.xfer(ctx, "GETLASTRWSTATUS", []byte{cmdDebug, dbgLastRWStatus}, nil, r[:]); err != nil {
		return err
	}
	return checkStatus(op, r[:])
}

// readMem runs one read command into dst and checks it, retrying on WAIT.
func (p *Probe) readMem(ctx context.Context, sub byte, op string, addr uint32, dst []byte) error {
	in := dst
	if len(dst) == 1 {
		// A one-byte 8-bit read returns two bytes (OpenOCD, probe-rs).
		in = make([]byte, 2)
	}
	return p.retryWait(ctx, func() error {
		if err := p.xfer(ctx, op, memCommand(sub, addr, len(dst)), nil, in); err != nil {
			return err
		}
		copy(dst, in)
		return p.rwStatus(ctx, op)
	})
}

// writeMem runs one write command with src as its data phase and checks
// it, once. A write answered SWD_AP_WAIT/SWD_DP_WAIT is not sent again:
// the firmware gives up somewhere inside the command after its own WAIT
// retries (then aborts with DAPABORT), so the accesses before that point
// reached the target, the one the target was still busy with may complete
// anyway, and only the rest never left the probe; a WAIT on the final
// RDBUFF read even means every access was taken. Repeating the command
// writes those again, which flash controllers reject (STM32F1 PGERR on a
// programmed halfword) and key registers treat as a wrong sequence. The
// caller, who knows what the memory is, decides: read back, or repeat.
func (p *Probe) writeMem(ctx context.Context, sub byte, op string, addr uint32, src []byte) error {
	if err := p.xfer(ctx, op, memCommand(sub, addr, len(src)), src, nil); err != nil {
		return err
	}
	return p.rwStatus(ctx, op)
}

// memSubs picks the command pair for an access width. 16-bit accesses need
// V2 J26; older firmware gets 8-bit accesses instead (OpenOCD does the
// same), so the target's bus sees bytes: fine for RAM, not for peripherals
// that insist on halfwords. Has(FeatureMem16) tells callers which they get.
func (p *Probe) memSubs(size int) (rd, wr byte, width int) {
	switch {
	case size == 4:
		return dbgReadMem32, dbgWriteMem32, 4
	case size == 2 && p.version.Has(FeatureMem16):
		return dbgReadMem16, dbgWriteMem16, 2
	default:
		return dbgReadMem8, dbgWriteMem8, 1
	}
}

// readBytes reads len(dst) bytes at addr with accesses of size bytes.
func (p *Probe) readBytes(ctx context.Context, addr uint32, dst []byte, size int) error {
	if !p.connected {
		return errNotConnected
	}
	if err := alignCheck(addr, size); err != nil {
		return err
	}
	rd, _, width := p.memSubs(size)
	chunks, err := planChunks(addr, len(dst), width, p.memLimits())
	if err != nil {
		return err
	}
	for _, c := range chunks {
		op := fmt.Sprintf("reading %d bytes at 0x%08x", c.n, c.addr)
		if err := p.readMem(ctx, rd, op, c.addr, dst[c.off:c.off+c.n]); err != nil {
			return err
		}
	}
	return nil
}

// writeBytes writes src at addr with accesses of size bytes.
func (p *Probe) writeBytes(ctx context.Context, addr uint32, src []byte, size int) error {
	if !p.connected {
		return errNotConnected
	}
	if err := alignCheck(addr, size); err != nil {
		return err
	}
	_, wr, width := p.memSubs(size)
	chunks, err := planChunks(addr, len(src), width, p.memLimits())
	if err != nil {
		return err
	}
	for _, c := range chunks {
		op := fmt.Sprintf("writing %d bytes at 0x%08x", c.n, c.addr)
		if err := p.writeMem(ctx, wr, op, c.addr, src[c.off:c.off+c.n]); err != nil {
			return err
		}
	}
	return nil
}

// alignCheck enforces the caller's contract (drivers.MemoryAccess) even
// when the probe falls back to narrower accesses.
func alignCheck(addr uint32, size int) error {
	if addr%uint32(size) != 0 {
		return fmt.Errorf("stlink: address 0x%08x is not aligned to the %d-bit access", addr, size*8)
	}
	return nil
}

// ReadMemory8 reads len(dst) bytes at addr with 8-bit accesses.
func (p *Probe) ReadMemory8(ctx context.Context, addr uint32, dst []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.readBytes(ctx, addr, dst, 1)
}

// WriteMemory8 writes src at addr with 8-bit accesses.
func (p *Probe) WriteMemory8(ctx context.Context, addr uint32, src []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.writeBytes(ctx, addr, src, 1)
}

// ReadMemory16 reads halfwords at addr (2-byte aligned).
func (p *Probe) ReadMemory16(ctx context.Context, addr uint32, dst []uint16) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := make([]byte, 2*len(dst))
	if err := p.readBytes(ctx, addr, b, 2); err != nil {
		return err
	}
	for i := range dst {
		dst[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return nil
}

// WriteMemory16 writes halfwords at addr (2-byte aligned).
func (p *Probe) WriteMemory16(ctx context.Context, addr uint32, src []uint16) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := make([]byte, 2*len(src))
	for i, v := range src {
		binary.LittleEndian.PutUint16(b[2*i:], v)
	}
	return p.writeBytes(ctx, addr, b, 2)
}

// ReadMemory32 reads words at addr (4-byte aligned).
func (p *Probe) ReadMemory32(ctx context.Context, addr uint32, dst []uint32) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := make([]byte, 4*len(dst))
	if err := p.readBytes(ctx, addr, b, 4); err != nil {
		return err
	}
	for i := range dst {
		dst[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return nil
}

// WriteMemory32 writes words at addr (4-byte aligned).
func (p *Probe) WriteMemory32(ctx context.Context, addr uint32, src []uint32) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := make([]byte, 4*len(src))
	for i, v := range src {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	return p.writeBytes(ctx, addr, b, 4)
}
