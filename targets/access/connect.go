package access

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/arm"
	"github.com/flashstation/flashstation/drivers/stlink"
)

// ConnectOptions say how to reach the target.
type ConnectOptions struct {
	// Probe is handed to the probe's Connect (protocol, SWD clock in Hz,
	// TARGETSEL, connect under reset).
	Probe drivers.ConnectOptions
	// AP is the MEM-AP Mem goes through; 0 for every Cortex-M here.
	AP uint8
}

// Target is a connected debug port with the abilities families use.
type Target struct {
	Probe   drivers.Probe
	ProbeID drivers.Identity
	DPIDR   uint32
	// DAP is raw DP/AP access; nil when the probe has none (ST-Link
	// firmware older than V2J24).
	DAP drivers.DAPAccess
	// APs found on the DP; empty when there is no DAP.
	APs []arm.AP
	// Mem reads and writes memory through AP 0.
	Mem drivers.MemoryAccess
	// Poll polls memory on the probe; nil when the probe cannot.
	Poll drivers.MemoryPoller
	// Core is Cortex-M run control.
	Core drivers.CoreControl
	// Mem16 is true when ReadMemory16/WriteMemory16 make real 16-bit bus
	// accesses; ST-Link firmware before V2J26 turns them into byte
	// accesses, which flash controllers that program halfwords reject.
	Mem16 bool

	// memAP is set when Mem is an arm.MemAP over DAP: the stream path may
	// then drive the AP registers itself.
	memAP *arm.MemAP
	apsel uint8
	// mu serialises the stream path against itself; families use one
	// Target from one goroutine.
	mu sync.Mutex
	// broken: the MEM-AP's CSW could not be restored after a failed
	// stream; further memory access might use a wrong access size.
	broken error
	// readLimit caps the bytes of one read after reads failed with WAIT
	// (0: no cap); see readWords.
	readLimit atomic.Int32
	readOK    atomic.Int32
}

// dapProvider is an ST-Link: raw DAP access only on some firmware.
type dapProvider interface {
	DAP() (drivers.DAPAccess, error)
}

// versioned is an ST-Link: its firmware version gates 16-bit access.
type versioned interface {
	Version() stlink.Version
}

// Connect brings up the probe's debug port and returns the target.
// CMSIS-DAP: probe Connect, DP power-up, AP discovery, MEM-AP on opts.AP
// and run control over it. ST-Link: probe Connect; memory and run control
// are the probe's own.
func Connect(ctx context.Context, p drivers.Probe, opts ConnectOptions) (*Target, error) {
	t := &Target{Probe: p, ProbeID: p.Identity(), apsel: opts.AP}
	dpidr, err := p.Connect(ctx, opts.Probe)
	if err != nil {
		return nil, fmt.Errorf("access: connect through %s %s: %w", t.ProbeID.Kind, t.ProbeID.Serial, err)
	}
	t.DPIDR = dpidr
	if d, ok := p.(drivers.DAPAccess); ok {
		t.DAP = d
	} else if dp, ok := p.(dapProvider); ok {
		// An old ST-Link says why it has no DAP; that is no failure here.
		if d, err := dp.DAP(); err == nil {
			t.DAP = d
		}
	}
	mem, native := p.(drivers.MemoryAccess)
	core, nativeCore := p.(drivers.CoreControl)
	if native {
		t.Mem = mem
		t.Mem16 = true
		if v, ok := p.(versioned); ok {
			t.Mem16 = v.Version().Has(stlink.FeatureMem16)
		}
		if opts.AP != 0 {
			return nil, fmt.Errorf("access: %s does memory access through AP 0 only, not AP %d", t.ProbeID.Kind, opts.AP)
		}
		if pl, ok := p.(drivers.MemoryPoller); ok {
			t.Poll = pl
		}
		if nativeCore {
			t.Core = core
		} else {
			t.Core = arm.NewCore(mem)
		}
		return t, nil
	}
	if t.DAP == nil {
		return nil, fmt.Errorf("access: %s offers neither memory nor DAP access", t.ProbeID.Kind)
	}
	if t.DPIDR, err = arm.InitDP(ctx, t.DAP); err != nil {
		return nil, fmt.Errorf("access: %w", err)
	}
	if t.APs, err = arm.FindAPs(ctx, t.DAP); err != nil {
		return nil, fmt.Errorf("access: %w", err)
	}
	ap, err := t.memAPAt(opts.AP)
	if err != nil {
		return nil, err
	}
	m, err := arm.NewMemAP(t.DAP, opts.AP, arm.MemAPOptions{TARWindow: ap.TARWindow()})
	if err != nil {
		return nil, fmt.Errorf("access: %w", err)
	}
	t.Mem, t.Poll, t.memAP, t.Mem16 = m, m, m, true
	t.Core = arm.NewCore(m)
	if nativeCore {
		t.Core = core
	}
	return t, nil
}

func (t *Target) memAPAt(sel uint8) (arm.AP, error) {
	for _, ap := range t.APs {
		if ap.APSel == sel {
			if !ap.IsMemAP() {
				return ap, fmt.Errorf("access: AP %d (IDR 0x%08X) is not a MEM-AP", sel, ap.IDR)
			}
			return ap, nil
		}
	}
	return arm.AP{}, fmt.Errorf("access: no AP %d on this debug port (found %d APs): is the chip held in reset or protected?", sel, len(t.APs))
}

// Close releases the target lines; the probe stays open (its owner
// closes it).
func (t *Target) Close(ctx context.Context) error {
	if err := t.Probe.Disconnect(ctx); err != nil {
		return fmt.Errorf("access: disconnect: %w", err)
	}
	return nil
}

// ErrBroken: the memory path lost track of the MEM-AP state; reconnect.
var ErrBroken = errors.New("access: memory access state unknown after a failed transfer: reconnect to the target")
