package cmsisdap

import (
	"context"

	"github.com/flashstation/flashstation/drivers"
)

// BlockRead reads len(dst) words from one AP register with
// DAP_TransferBlock, as many words per packet as fit, several packets in
// flight. On failure the TransferError's Index is the failing word.
func (p *Probe) BlockRead(ctx context.Context, apsel, addr uint8, dst []uint32) error {
	return p.block(ctx, apsel, addr, dst, true)
}

// BlockWrite writes src to one AP register the same way.
func (p *Probe) BlockWrite(ctx context.Context, apsel, addr uint8, src []uint32) error {
	return p.block(ctx, apsel, addr, src, false)
}

func (p *Probe) block(ctx context.Context, apsel, addr uint8, words []uint32, read bool) error {
	if len(words) == 0 {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	// Bring SELECT to the AP bank first; a no-op when it is there already.
	if err := p.batch(ctx, p.selectOps(apsel, addr)); err != nil {
		return err
	}
	per := blockWords(p.t.packetSize, !read)
	req := reqFor(true, read, addr)
	var reqs [][]byte
	var offs []int
	for off := 0; off < len(words); off += per {
		n := min(per, len(words)-off)
		var src []uint32
		if !read {
			src = words[off : off+n]
		}
		b, err := encodeTransferBlock(req, n, src)
		if err != nil {
			return err
		}
		reqs = append(reqs, b)
		offs = append(offs, off)
	}
	err := p.t.pipeline(ctx, reqs, func(i int, resp []byte) error {
		off := offs[i]
		n := min(per, len(words)-off)
		done, status, err := decodeTransferBlock(read, words[off:off+n], resp)
		if err != nil {
			return err
		}
		if status == AckOK {
			return nil
		}
		return &TransferError{Response: status, Index: off + done, AP: true, APSel: apsel,
			Addr: addr, Write: !read, Retries: int(p.waitRetry)}
	})
	if err != nil {
		p.invalidate()
		return p.recover(ctx, err)
	}
	return nil
}

// selectOps is an empty batch when SELECT already addresses the AP bank
// of addr, else nothing but the SELECT write that plan adds for an AP op.
func (p *Probe) selectOps(apsel, addr uint8) []drivers.DAPOp {
	dpbank := uint32(0)
	if p.selectOK {
		dpbank = p.selectVal & 0xF
	}
	want := uint32(apsel)<<24 | uint32(addr&0xF0) | dpbank
	if p.selectOK && p.selectVal == want {
		return nil
	}
	return []drivers.DAPOp{{Addr: dpSELECT, Write: true, Value: want}}
}
