package arm

import (
	"context"
	"errors"
	"fmt"

	"github.com/flashstation/flashstation/drivers"
)

var errFakeMismatch = errors.New("fake: value never matched")

// fakeDAP is a DAPAccess over a byte map, modelling a MEM-AP on AP 0 with
// a 1 KiB TAR wrap, byte lanes, and a small Cortex-M debug block.
type fakeDAP struct {
	dpidr      uint32
	ctrlstat   uint32
	noPowerAck bool
	idrs       []uint32 // IDR per AP; beyond: 0
	csw, tar   uint32
	mem        map[uint32]byte
	core       fakeCore
	// hooks run before a 32-bit read of an address (e.g. to change it).
	onRead map[uint32]func()
	// counters for assertions.
	tarWrites, blocks, batches int
	faultAt                    uint32 // DRW accesses at this address FAULT when non-zero
}

type fakeCore struct {
	halted, resetSeen bool
	demcr, dcrdr      uint32
	regs              [32]uint32
}

var _ drivers.DAPAccess = (*fakeDAP)(nil)

func newFake() *fakeDAP {
	return &fakeDAP{dpidr: 0x2BA01477, idrs: []uint32{0x24770011}, mem: map[uint32]byte{}, onRead: map[uint32]func(){}}
}

func (f *fakeDAP) load32(a uint32) uint32 {
	switch a {
	case DHCSR:
		v := uint32(1) << 16 // S_REGRDY
		if f.core.halted {
			v |= 1 << 17
		}
		if f.core.resetSeen {
			v |= 1 << 25
			f.core.resetSeen = false
		}
		return v
	case DEMCR:
		return f.core.demcr
	case DCRDR:
		return f.core.dcrdr
	}
	return uint32(f.mem[a]) | uint32(f.mem[a+1])<<8 | uint32(f.mem[a+2])<<16 | uint32(f.mem[a+3])<<24
}

func (f *fakeDAP) store32(a, v uint32) {
	switch a {
	case DHCSR:
		if v>>16 == 0xA05F {
			f.core.halted = v&2 != 0
		}
		return
	case DEMCR:
		f.core.demcr = v
		return
	case DCRDR:
		f.core.dcrdr = v
		return
	case DCRSR:
		if v&(1<<16) != 0 {
			f.core.regs[v&0x1F] = f.core.dcrdr
		} else {
			f.core.dcrdr = f.core.regs[v&0x1F]
		}
		return
	case AIRCR:
		if v == 0x05FA0004 {
			f.core.resetSeen = true
			f.core.halted = f.core.demcr&1 != 0
			f.core.regs[15] = 0x08000100
		}
		return
	}
	for i := uint32(0); i < 4; i++ {
		f.mem[a+i] = byte(v >> (8 * i))
	}
}

func (f *fakeDAP) drw(write bool, v uint32) (uint32, error) {
	if f.faultAt != 0 && f.tar == f.faultAt {
		return 0, errors.New("fake: FAULT")
	}
	size := f.csw & 7
	a := f.tar
	var out uint32
	switch size {
	case 2:
		if write {
			f.store32(a, v)
		} else {
			if h := f.onRead[a]; h != nil {
				h()
			}
			out = f.load32(a)
		}
	case 0, 1:
		n := uint32(1) << size
		for i := uint32(0); i < n; i++ {
			sh := 8 * ((a + i) & 3)
			if write {
				f.mem[a+i] = byte(v >> sh)
			} else {
				out |= uint32(f.mem[a+i]) << sh
			}
		}
	default:
		return 0, fmt.Errorf("fake: CSW size %d", size)
	}
	if f.csw&0x30 == 0x10 {
		f.tar = f.tar&^0x3FF | (f.tar+1<<size)&0x3FF
	}
	return out, nil
}

func (f *fakeDAP) op(o *drivers.DAPOp) error {
	if !o.AP {
		switch {
		case o.Addr == 0 && !o.Write:
			return f.ret(o, f.dpidr)
		case o.Addr == CTRLSTAT && o.Write:
			f.ctrlstat = o.Value
			if !f.noPowerAck {
				f.ctrlstat |= o.Value & (csCDBGPWRUPREQ | csCSYSPWRUPREQ) << 1
			}
			return nil
		case o.Addr == CTRLSTAT:
			return f.ret(o, f.ctrlstat)
		}
		return nil
	}
	if o.Addr == APIDR {
		v := uint32(0)
		if int(o.APSel) < len(f.idrs) {
			v = f.idrs[o.APSel]
		}
		return f.ret(o, v)
	}
	if o.APSel != 0 {
		return fmt.Errorf("fake: AP %d has no registers", o.APSel)
	}
	switch o.Addr {
	case CSW:
		if o.Write {
			f.csw = o.Value
			return nil
		}
		return f.ret(o, f.csw)
	case TAR:
		if o.Write {
			f.tar = o.Value
			f.tarWrites++
			return nil
		}
		return f.ret(o, f.tar)
	case DRW:
		v, err := f.drw(o.Write, o.Value)
		if err != nil || o.Write {
			return err
		}
		return f.ret(o, v)
	}
	return fmt.Errorf("fake: AP register 0x%02x", o.Addr)
}

// ret delivers a read, repeating it (as a probe would) for value match.
func (f *fakeDAP) ret(o *drivers.DAPOp, v uint32) error {
	if o.Match != nil {
		for try := 0; v&o.Match.Mask != o.Match.Value; try++ {
			if try == 3 {
				return errFakeMismatch
			}
			if o.AP && o.Addr == DRW {
				v, _ = f.drw(false, 0)
			}
		}
	}
	if o.Result != nil {
		*o.Result = v
	}
	return nil
}

func (f *fakeDAP) ReadDP(ctx context.Context, addr uint8) (uint32, error) {
	var v uint32
	return v, f.Batch(ctx, []drivers.DAPOp{{Addr: addr, Result: &v}})
}
func (f *fakeDAP) WriteDP(ctx context.Context, addr uint8, value uint32) error {
	return f.Batch(ctx, []drivers.DAPOp{{Addr: addr, Write: true, Value: value}})
}
func (f *fakeDAP) ReadAP(ctx context.Context, apsel, addr uint8) (uint32, error) {
	var v uint32
	return v, f.Batch(ctx, []drivers.DAPOp{{AP: true, APSel: apsel, Addr: addr, Result: &v}})
}
func (f *fakeDAP) WriteAP(ctx context.Context, apsel, addr uint8, value uint32) error {
	return f.Batch(ctx, []drivers.DAPOp{{AP: true, APSel: apsel, Addr: addr, Write: true, Value: value}})
}

func (f *fakeDAP) Batch(ctx context.Context, ops []drivers.DAPOp) error {
	f.batches++
	for i := range ops {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := f.op(&ops[i]); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeDAP) BlockRead(ctx context.Context, apsel, addr uint8, dst []uint32) error {
	f.blocks++
	for i := range dst {
		if err := f.op(&drivers.DAPOp{AP: true, APSel: apsel, Addr: addr, Result: &dst[i]}); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeDAP) BlockWrite(ctx context.Context, apsel, addr uint8, src []uint32) error {
	f.blocks++
	for _, v := range src {
		if err := f.op(&drivers.DAPOp{AP: true, APSel: apsel, Addr: addr, Write: true, Value: v}); err != nil {
			return err
		}
	}
	return nil
}

// runFake is fakeDAP with BlockRuns, the pipelined runs a CMSIS-DAP probe
// offers; it records each call's set-ups and run lengths.
type runFake struct {
	*fakeDAP
	calls   int
	setups  [][]drivers.DAPOp
	lengths []int
}

var _ BlockRunner = (*runFake)(nil)

func (f *runFake) BlockRuns(ctx context.Context, apsel, addr uint8, read bool, setup [][]drivers.DAPOp, runs [][]uint32) (int, error) {
	f.calls++
	for i := range runs {
		f.setups = append(f.setups, setup[i])
		f.lengths = append(f.lengths, len(runs[i]))
		if err := f.fakeDAP.Batch(ctx, setup[i]); err != nil {
			return i, err
		}
		var err error
		if read {
			err = f.fakeDAP.BlockRead(ctx, apsel, addr, runs[i])
		} else {
			err = f.fakeDAP.BlockWrite(ctx, apsel, addr, runs[i])
		}
		if err != nil {
			return i, err
		}
	}
	return len(runs), nil
}
