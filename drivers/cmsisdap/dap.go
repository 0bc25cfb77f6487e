package cmsisdap

import (
	"context"
	"errors"
	"fmt"

	"github.com/flashstation/flashstation/drivers"
)

// DP register addresses (ADIv5.2 B2.2) and ABORT bits.
const (
	dpABORT  uint8 = 0x0
	dpDPIDR  uint8 = 0x0
	dpSELECT uint8 = 0x8
	dpRDBUFF uint8 = 0xC

	abortDAPABORT   uint32 = 1 << 0
	abortStickyBits uint32 = 0x1E // STKCMPCLR | STKERRCLR | WDERRCLR | ORUNERRCLR
)

// wop is one planned DAP_Transfer entry, with where its data goes and
// which caller op it serves (for error reports).
type wop struct {
	x      xfer
	result *uint32
	index  int
	ap     bool
	apsel  uint8
	addr   uint8
}

func reqFor(ap, read bool, addr uint8) uint8 {
	r := addr & 0x0C
	if ap {
		r |= reqAPnDP
	}
	if read {
		r |= reqRnW
	}
	return r
}

// invalidate forgets SELECT and the match mask: after a failure the
// probe may have run more or fewer entries than planned.
func (p *Probe) invalidate() {
	p.selectOK, p.maskOK = false, false
}

// setSelect plans a SELECT write when want differs from what the DP has.
func (p *Probe) setSelect(out []wop, want uint32, index int) []wop {
	if p.selectOK && p.selectVal == want {
		return out
	}
	p.selectOK, p.selectVal = true, want
	return append(out, wop{x: xfer{req: reqFor(false, false, dpSELECT), value: want}, index: index, addr: dpSELECT, ap: false})
}

// dpBanked reports whether a DP address depends on DPBANKSEL: CTRL/STAT's
// slot (0x4) always, DPIDR's slot (0x0) for reads of banks above 0 (DPv3).
func dpBanked(addr uint8, write bool) bool {
	reg, bank := addr&0x0C, addr>>4
	return reg == 0x4 || (reg == 0x0 && !write && bank != 0)
}

// plan turns caller ops into DAP_Transfer entries, adding SELECT and
// match-mask writes where the tracked state needs them.
func (p *Probe) plan(ops []drivers.DAPOp) []wop {
	out := make([]wop, 0, len(ops)+2)
	for i, op := range ops {
		if op.AP {
			out = p.setSelect(out, p.apSelect(op.APSel, op.Addr), i)
		} else if dpBanked(op.Addr, op.Write) {
			sel := uint32(0)
			if p.selectOK {
				sel = p.selectVal &^ 0xF
			}
			out = p.setSelect(out, sel|uint32(op.Addr>>4), i)
		}
		w := wop{index: i, ap: op.AP, apsel: op.APSel, addr: op.Addr, result: op.Result}
		switch {
		case op.Write:
			w.x = xfer{req: reqFor(op.AP, false, op.Addr), value: op.Value}
			if !op.AP && op.Addr&0x0C == dpSELECT {
				p.selectOK, p.selectVal = true, op.Value
			}
		case op.Match != nil:
			if !p.maskOK || p.maskVal != op.Match.Mask {
				p.maskOK, p.maskVal = true, op.Match.Mask
				out = append(out, wop{x: xfer{req: reqMatchMask, value: op.Match.Mask}, index: i})
			}
			w.x = xfer{req: reqFor(op.AP, true, op.Addr) | reqMatchValue, value: op.Match.Value}
		default:
			w.x = xfer{req: reqFor(op.AP, true, op.Addr)}
		}
		out = append(out, w)
	}
	return out
}

// chunk splits entries into DAP_Transfer commands that fit the packet
// both ways and hold at most 255 entries.
func chunk(ws []wop, packetSize int) [][]wop {
	var out [][]wop
	start, reqN, respN := 0, transferReqHeader, transferRespHeader
	for i, w := range ws {
		if i > start && (reqN+w.x.reqLen() > packetSize || respN+w.x.respLen() > packetSize || i-start == maxTransferCount) {
			out = append(out, ws[start:i])
			start, reqN, respN = i, transferReqHeader, transferRespHeader
		}
		reqN += w.x.reqLen()
		respN += w.x.respLen()
	}
	if start < len(ws) {
		out = append(out, ws[start:])
	}
	return out
}

// Batch runs ops in as few packets as fit, several in flight.
func (p *Probe) Batch(ctx context.Context, ops []drivers.DAPOp) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.batch(ctx, ops)
}

func (p *Probe) batch(ctx context.Context, ops []drivers.DAPOp) error {
	if len(ops) == 0 {
		return nil
	}
	chunks := chunk(p.plan(ops), p.t.packetSize)
	reqs := make([][]byte, len(chunks))
	xs := make([][]xfer, len(chunks))
	for i, c := range chunks {
		xs[i] = make([]xfer, len(c))
		for j, w := range c {
			xs[i][j] = w.x
		}
		var err error
		if reqs[i], err = encodeTransfer(xs[i]); err != nil {
			p.invalidate()
			return err
		}
	}
	err := p.t.pipeline(ctx, reqs, func(i int, resp []byte) error {
		return p.transferReply(chunks[i], xs[i], resp)
	})
	if err != nil {
		p.invalidate()
		return p.recover(ctx, err)
	}
	return nil
}

// transferReply decodes the reply to the DAP_Transfer of ws (whose
// entries are xs), stores the data of the reads that completed, and
// returns a TransferError naming the entry that failed, if one did.
func (p *Probe) transferReply(ws []wop, xs []xfer, resp []byte) error {
	r, err := decodeTransfer(xs, resp)
	if err != nil {
		return err
	}
	d := 0
	for k := 0; k < r.done; k++ {
		if ws[k].x.hasData() {
			if ws[k].result != nil {
				*ws[k].result = r.data[d]
			}
			d++
		}
	}
	if r.ok() {
		return nil
	}
	w := ws[r.done]
	return &TransferError{Response: r.response, Index: w.index, AP: w.ap, APSel: w.apsel,
		Addr: w.addr, Write: !w.x.isRead(), Retries: int(p.waitRetry)}
}

// recover clears sticky errors after FAULT, and aborts the stalled access
// after WAIT, so the next operation starts clean; the original error is
// returned either way.
func (p *Probe) recover(ctx context.Context, err error) error {
	var te *TransferError
	if !errors.As(err, &te) {
		return err
	}
	var abort uint32
	switch te.kind() {
	case ErrFault:
		abort = abortStickyBits
	case ErrWait:
		abort = abortStickyBits | abortDAPABORT
	default:
		return err
	}
	resp, aerr := p.t.exchange(ctx, encodeWriteABORT(abort))
	if aerr == nil {
		aerr = decodeStatus(cmdWriteABORT, resp)
	}
	if aerr != nil {
		return errors.Join(err, fmt.Errorf("cmsisdap: clearing sticky errors: %w", aerr))
	}
	return err
}

// ReadDP reads one DP register (addr with the DP bank in bits 7:4).
func (p *Probe) ReadDP(ctx context.Context, addr uint8) (uint32, error) {
	var v uint32
	err := p.Batch(ctx, []drivers.DAPOp{{Addr: addr, Result: &v}})
	return v, err
}

// WriteDP writes one DP register.
func (p *Probe) WriteDP(ctx context.Context, addr uint8, value uint32) error {
	return p.Batch(ctx, []drivers.DAPOp{{Addr: addr, Write: true, Value: value}})
}

// ReadAP reads one AP register (addr 0x00..0xFC).
func (p *Probe) ReadAP(ctx context.Context, apsel, addr uint8) (uint32, error) {
	var v uint32
	err := p.Batch(ctx, []drivers.DAPOp{{AP: true, APSel: apsel, Addr: addr, Result: &v}})
	return v, err
}

// WriteAP writes one AP register.
func (p *Probe) WriteAP(ctx context.Context, apsel, addr uint8, value uint32) error {
	return p.Batch(ctx, []drivers.DAPOp{{AP: true, APSel: apsel, Addr: addr, Write: true, Value: value}})
}
