package arm

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/flashstation/flashstation/drivers"
)

// MEM-AP registers (ADIv5.2 C2.6).
const (
	CSW uint8 = 0x00
	TAR uint8 = 0x04
	DRW uint8 = 0x0C
)

// CSW fields.
const (
	cswSize8     uint32 = 0
	cswSize16    uint32 = 1
	cswSize32    uint32 = 2
	cswAddrInc   uint32 = 1 << 4 // single increment
	cswFieldMask uint32 = 0x3F   // size and AddrInc, the bits set per access
)

// Defaults for NewMemAP.
const (
	// DefaultTARWindow is the auto-increment span ADIv5 guarantees.
	DefaultTARWindow = 1024
	// DefaultCSW is the AHB-AP setting OpenOCD uses: DbgSwEnable, master
	// type debug, privileged (HPROT1); size and increment are added per
	// access.
	DefaultCSW uint32 = 0xA2000000
)

// smallRun: runs this short go in one Batch with their TAR write instead
// of a Batch plus a block transfer, saving a round trip.
const smallRun = 8

// MemAPOptions tune a MemAP; zero values mean the defaults.
type MemAPOptions struct {
	TARWindow uint32 // bytes, a power of two; DefaultTARWindow when 0
	CSW       uint32 // CSW bits above size/increment; DefaultCSW when 0
}

// MemAP is memory access through one MEM-AP. It caches CSW, so only one
// MemAP should drive a given AP.
type MemAP struct {
	dap    drivers.DAPAccess
	apsel  uint8
	window uint32
	csw    uint32

	mu     sync.Mutex
	cswOK  bool
	cswVal uint32

	clock func() time.Duration // drivers.ClockOf the DAP
}

// Now is the probe's clock (drivers.Timed), so run control over this
// MemAP measures its polls as the probe does.
func (m *MemAP) Now() time.Duration { return m.clock() }

var (
	_ drivers.MemoryAccess = (*MemAP)(nil)
	_ drivers.MemoryPoller = (*MemAP)(nil)
	_ drivers.Timed        = (*MemAP)(nil)
)

// NewMemAP returns memory access through AP apsel of dap.
func NewMemAP(dap drivers.DAPAccess, apsel uint8, opts MemAPOptions) (*MemAP, error) {
	m := &MemAP{dap: dap, apsel: apsel, window: opts.TARWindow, csw: opts.CSW, clock: drivers.ClockOf(dap)}
	if m.window == 0 {
		m.window = DefaultTARWindow
	}
	if m.window&(m.window-1) != 0 || m.window < 4 {
		return nil, fmt.Errorf("arm: TAR window %d is not a power of two of at least 4 bytes", m.window)
	}
	if m.csw == 0 {
		m.csw = DefaultCSW
	}
	m.csw &^= cswFieldMask
	return m, nil
}

// cswOps returns the CSW write needed for size/increment, if any.
func (m *MemAP) cswOps(size uint32, inc bool) []drivers.DAPOp {
	v := m.csw | size
	if inc {
		v |= cswAddrInc
	}
	if m.cswOK && m.cswVal == v {
		return nil
	}
	m.cswOK, m.cswVal = true, v
	return []drivers.DAPOp{{AP: true, APSel: m.apsel, Addr: CSW, Write: true, Value: v}}
}

func (m *MemAP) tarOp(addr uint32) drivers.DAPOp {
	return drivers.DAPOp{AP: true, APSel: m.apsel, Addr: TAR, Write: true, Value: addr}
}

// access moves len(words) DRW transfers of the given size starting at
// addr, splitting at TAR window boundaries. Each word carries its data on
// the byte lanes of its address.
func (m *MemAP) access(ctx context.Context, addr uint32, size uint32, words []uint32, read bool) error {
	step := uint32(1) << size
	m.mu.Lock()
	defer m.mu.Unlock()
	if br, ok := m.dap.(BlockRunner); ok && len(words) > 0 {
		return m.accessRuns(ctx, br, addr, size, words, read)
	}
	for done := 0; done < len(words); {
		a := addr + uint32(done)*step
		room := int((m.window - a%m.window) / step)
		n := min(room, len(words)-done)
		run := words[done : done+n]
		if err := m.run(ctx, a, size, run, read); err != nil {
			m.cswOK = false
			return err
		}
		done += n
	}
	return nil
}

func (m *MemAP) run(ctx context.Context, a, size uint32, run []uint32, read bool) error {
	ops := append(m.cswOps(size, true), m.tarOp(a))
	if len(run) <= smallRun {
		for i := range run {
			op := drivers.DAPOp{AP: true, APSel: m.apsel, Addr: DRW, Write: !read, Value: run[i]}
			if read {
				op.Result = &run[i]
			}
			ops = append(ops, op)
		}
		return m.wrap(a, read, m.dap.Batch(ctx, ops))
	}
	if err := m.dap.Batch(ctx, ops); err != nil {
		return m.wrap(a, read, err)
	}
	if read {
		return m.wrap(a, read, m.dap.BlockRead(ctx, m.apsel, DRW, run))
	}
	return m.wrap(a, read, m.dap.BlockWrite(ctx, m.apsel, DRW, run))
}

// wrap names the run's address, so a FAULT says where in memory it was.
func (m *MemAP) wrap(a uint32, read bool, err error) error {
	if err == nil {
		return nil
	}
	dir := "write"
	if read {
		dir = "read"
	}
	return fmt.Errorf("arm: memory %s at 0x%08x (AP %d): %w", dir, a, m.apsel, err)
}

func checkAlign(addr uint32, size uint32) error {
	if addr&(1<<size-1) != 0 {
		return fmt.Errorf("arm: address 0x%08x is not aligned to %d bytes", addr, 1<<size)
	}
	return nil
}

func dapOp(apsel, addr uint8) drivers.DAPOp {
	return drivers.DAPOp{AP: true, APSel: apsel, Addr: addr}
}
