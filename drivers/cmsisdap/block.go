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
	var cmds []blockCmd
	cmds, err := appendBlocks(cmds, p.t.packetSize, addr, read, words, 0)
	if err != nil {
		return err
	}
	reqs := make([][]byte, len(cmds))
	for i, c := range cmds {
		reqs[i] = c.req
	}
	err = p.t.pipeline(ctx, reqs, func(i int, resp []byte) error {
		return p.blockReply(cmds[i], apsel, addr, read, resp)
	})
	if err != nil {
		p.invalidate()
		return p.recover(ctx, err)
	}
	return nil
}

// blockCmd is one DAP_TransferBlock of a run: its request, and the words
// it moves, from word off of the run.
type blockCmd struct {
	req   []byte
	off   int
	words []uint32
}

// appendBlocks splits words (the run from word off on) into
// DAP_TransferBlock commands of as many words as fit a packet.
func appendBlocks(cmds []blockCmd, packetSize int, addr uint8, read bool, words []uint32, off int) ([]blockCmd, error) {
	per := blockWords(packetSize, !read)
	req := reqFor(true, read, addr)
	for i := 0; i < len(words); i += per {
		n := min(per, len(words)-i)
		var src []uint32
		if !read {
			src = words[i : i+n]
		}
		b, err := encodeTransferBlock(req, n, src)
		if err != nil {
			return cmds, err
		}
		cmds = append(cmds, blockCmd{req: b, off: off + i, words: words[i : i+n]})
	}
	return cmds, nil
}

// blockReply decodes the reply to c (storing the words of a read) and
// returns a TransferError naming the failing word of the run, if any.
func (p *Probe) blockReply(c blockCmd, apsel, addr uint8, read bool, resp []byte) error {
	done, status, err := decodeTransferBlock(read, c.words, resp)
	if err != nil {
		return err
	}
	if status == AckOK {
		return nil
	}
	return &TransferError{Response: status, Index: c.off + done, AP: true, APSel: apsel,
		Addr: addr, Write: !read, Retries: int(p.waitRetry)}
}

// apSelect is the SELECT value that addresses the AP bank of addr on
// apsel, keeping the DP bank the DP has.
func (p *Probe) apSelect(apsel, addr uint8) uint32 {
	dpbank := uint32(0)
	if p.selectOK {
		dpbank = p.selectVal & 0xF
	}
	return uint32(apsel)<<24 | uint32(addr&0xF0) | dpbank
}

// selectOps is an empty batch when SELECT already addresses the AP bank
// of addr, else nothing but the SELECT write that plan adds for an AP op.
func (p *Probe) selectOps(apsel, addr uint8) []drivers.DAPOp {
	want := p.apSelect(apsel, addr)
	if p.selectOK && p.selectVal == want {
		return nil
	}
	return []drivers.DAPOp{{Addr: dpSELECT, Write: true, Value: want}}
}
