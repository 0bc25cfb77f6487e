package targets

import "context"

// Reader is the optional ability to read the target's address space
// (flash, RAM, peripheral registers) for `flashstation read`. A session
// that cannot read (one handing whole operations to OpenOCD) lacks it.
type Reader interface {
	// ReadMemory fills dst from addr, any alignment, reporting progress in
	// bytes. A readout-protected chip answers with an error.
	ReadMemory(ctx context.Context, addr uint32, dst []byte, progress ProgressFunc) error
}

// ReadProgress adapts a block reader's done-count callback to progress events
// of phase "read" over total bytes.
func ReadProgress(progress ProgressFunc, total int) func(done int) {
	return func(done int) {
		if progress != nil {
			progress(Progress{Phase: PhaseRead, Done: int64(done), Total: int64(total)})
		}
	}
}
