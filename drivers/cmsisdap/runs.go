package cmsisdap

import (
	"context"
	"fmt"

	"github.com/flashstation/flashstation/drivers"
)

// BlockRuns moves several runs of words through one AP register (addr on
// apsel; reads when read), each run preceded by its own set-up ops (for a
// MEM-AP: the CSW and TAR writes of the run's TAR window), in one
// pipeline: no round trip between runs drains the probe's buffers.
//
// A run's set-up goes out as a DAP_Transfer that also carries as many of
// the run's first words as the packet has room for; the rest go as
// DAP_TransferBlock commands, as in BlockRead and BlockWrite. Set-up ops
// are planned as Batch plans them (SELECT and match-mask writes added as
// needed) and their reads land in their Result.
//
// The set-up of run 0 is confirmed before anything else is sent, so no
// word goes out under the register state of an earlier caller. Later
// set-ups are not waited for: when one fails, the commands of its run
// already in the probe still run, under the state the run before left
// (for a MEM-AP: TAR at the end of, or wrapped to the start of, that
// run's window). Callers make every run after the first start where the
// one before ends, in a whole window (drivers/arm does), so such words
// land inside the runs and are written again by a retry.
//
// It returns how many runs are known complete: after a failure in a
// run's set-up, not the run before either. On failure nothing more is
// sent; the TransferError's Index is the failing word of the run (or,
// when a set-up op failed, that op's index in the run's set-up; AP and
// Addr say which register it was).
func (p *Probe) BlockRuns(ctx context.Context, apsel, addr uint8, read bool, setup [][]drivers.DAPOp, runs [][]uint32) (int, error) {
	if len(setup) != len(runs) {
		return 0, fmt.Errorf("cmsisdap: block runs: %d set-ups for %d runs", len(setup), len(runs))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var cmds []runCmd
	for i := range runs {
		var err error
		if cmds, err = p.planRun(cmds, i, apsel, addr, read, setup[i], runs[i]); err != nil {
			p.invalidate()
			return 0, err
		}
	}
	if len(cmds) == 0 {
		return len(runs), nil
	}
	handled := 0
	send := func(cs []runCmd) error {
		reqs := make([][]byte, len(cs))
		for i, c := range cs {
			reqs[i] = c.req
		}
		return p.t.pipeline(ctx, reqs, func(i int, resp []byte) error {
			c := cs[i]
			var err error
			if c.ws != nil {
				err = p.transferReply(c.ws, c.xs, resp)
			} else {
				err = p.blockReply(c.blockCmd, apsel, addr, read, resp)
			}
			if err == nil {
				handled++
			}
			return err
		})
	}
	first := 0 // run 0's set-up commands, confirmed alone
	for first < len(cmds) && cmds[first].run == 0 && cmds[first].ws != nil {
		first++
	}
	err := send(cmds[:first])
	if err == nil {
		err = send(cmds[first:])
	}
	if err != nil {
		p.invalidate()
		// The first command whose reply was not handled failed (or was
		// lost with the link); runs before it are complete, unless it is
		// a set-up whose run's words went under the previous run's state.
		c := cmds[min(handled, len(cmds)-1)]
		done := c.run
		if c.ws != nil && done > 0 {
			done--
		}
		return done, p.recover(ctx, err)
	}
	return len(runs), nil
}

// runCmd is one command of a BlockRuns pipeline: a DAP_Transfer (ws, xs)
// or a DAP_TransferBlock (blockCmd), serving run number run.
type runCmd struct {
	blockCmd
	run int
	ws  []wop
	xs  []xfer
}

// planRun appends the commands of run i: its set-up as DAP_Transfer
// commands, the last of them filled with the run's first words, then
// DAP_TransferBlock commands for the rest.
func (p *Probe) planRun(cmds []runCmd, i int, apsel, addr uint8, read bool, setup []drivers.DAPOp, words []uint32) ([]runCmd, error) {
	ws := p.plan(setup)
	if len(words) > 0 {
		// The block needs SELECT on addr's AP bank; set-up ops may have
		// left it elsewhere. Charged to word 0.
		ws = p.setSelect(ws, p.apSelect(apsel, addr), 0)
	}
	packed := 0
	if len(ws) > 0 {
		chunks := chunk(ws, p.t.packetSize)
		last := chunks[len(chunks)-1]
		reqN, respN := transferReqHeader, transferRespHeader
		for _, w := range last {
			reqN, respN = reqN+w.x.reqLen(), respN+w.x.respLen()
		}
		// DRW entries cost 5 request bytes (write) or 4 reply bytes
		// (read) here against 4 in a block; filling the set-up's packet
		// still saves the packet a block would need for them.
		x := xfer{req: reqFor(true, read, addr)}
		packed = min(len(words), maxTransferCount-len(last),
			(p.t.packetSize-reqN)/x.reqLen(), (p.t.packetSize-respN)/max(1, x.respLen()))
		filled := make([]wop, len(last), len(last)+packed) // a copy: ws stays as planned
		copy(filled, last)
		for j := range packed {
			w := wop{x: x, index: j, ap: true, apsel: apsel, addr: addr}
			if read {
				w.result = &words[j]
			} else {
				w.x.value = words[j]
			}
			filled = append(filled, w)
		}
		chunks[len(chunks)-1] = filled
		for _, c := range chunks {
			xs := make([]xfer, len(c))
			for j, w := range c {
				xs[j] = w.x
			}
			b, err := encodeTransfer(xs)
			if err != nil {
				return cmds, err
			}
			cmds = append(cmds, runCmd{blockCmd: blockCmd{req: b}, run: i, ws: c, xs: xs})
		}
	}
	blocks, err := appendBlocks(nil, p.t.packetSize, addr, read, words[packed:], packed)
	if err != nil {
		return cmds, err
	}
	for _, b := range blocks {
		cmds = append(cmds, runCmd{blockCmd: b, run: i})
	}
	return cmds, nil
}
