package arm

import (
	"context"

	"github.com/flashstation/flashstation/drivers"
)

// BlockRunner is an optional ability of a drivers.DAPAccess (the
// CMSIS-DAP probe has it): several block transfers through one AP
// register, each after its own set-up ops, sent back to back in one
// pipeline. MemAP uses it when present so that the TAR write of each
// window travels with the data instead of costing a round trip that
// empties the probe's command buffers.
type BlockRunner interface {
	// BlockRuns runs setup[i] and then moves runs[i] through register
	// addr of AP apsel (reads when read), for every i in order. It
	// returns how many runs completed; on failure later runs did not run.
	BlockRuns(ctx context.Context, apsel, addr uint8, read bool, setup [][]drivers.DAPOp, runs [][]uint32) (int, error)
}

// accessRuns is access through a BlockRunner: one run per TAR window,
// each set up by its TAR write (the first also by CSW when it changes).
func (m *MemAP) accessRuns(ctx context.Context, br BlockRunner, addr, size uint32, words []uint32, read bool) error {
	step := uint32(1) << size
	var setup [][]drivers.DAPOp
	var runs [][]uint32
	var starts []uint32
	csw := m.cswOps(size, true)
	for done := 0; done < len(words); {
		a := addr + uint32(done)*step
		n := min(int((m.window-a%m.window)/step), len(words)-done)
		setup = append(setup, append(csw, m.tarOp(a)))
		runs = append(runs, words[done:done+n])
		starts = append(starts, a)
		csw = nil
		done += n
	}
	// A BlockRunner confirms only its first run's set-up; a later one
	// that fails leaves words of its run going where the run before left
	// TAR. After a first run that starts inside its window, a wrap there
	// is before the range, so the rest goes in a call of its own.
	split := len(runs)
	if addr%m.window != 0 && len(runs) > 1 {
		split = 1
	}
	ok, err := br.BlockRuns(ctx, m.apsel, DRW, read, setup[:split], runs[:split])
	if err == nil && split < len(runs) {
		ok, err = br.BlockRuns(ctx, m.apsel, DRW, read, setup[split:], runs[split:])
		ok += split
	}
	if err != nil {
		m.cswOK = false
		return m.wrap(starts[min(ok, len(starts)-1)], read, err)
	}
	return nil
}
