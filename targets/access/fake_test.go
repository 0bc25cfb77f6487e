package access

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/flashstation/flashstation/drivers"
)

// fakeMem is byte-addressed memory with one status register that reads
// busy for a few reads after each write to "flash" (>= flashBase), and an
// access log.
type fakeMem struct {
	mem       map[uint32]byte
	statusAt  uint32
	busyReads int // reads of status that show busy after each flash write
	busy      int
	wroteBusy bool // a flash write arrived while busy
	widths    []int
}

const flashBase = 0x08000000

var _ drivers.MemoryAccess = (*fakeMem)(nil)

func newFakeMem() *fakeMem { return &fakeMem{mem: map[uint32]byte{}, statusAt: 0x4002200C} }

func (f *fakeMem) get(a uint32) byte {
	if v, ok := f.mem[a]; ok {
		return v
	}
	if isFlash(a) {
		return 0xFF
	}
	return 0
}

func (f *fakeMem) write(a uint32, b []byte, width int) error {
	f.widths = append(f.widths, width)
	if a%uint32(width) != 0 {
		return fmt.Errorf("fake: unaligned %d-byte write at 0x%x", width, a)
	}
	if isFlash(a) {
		if f.busy > 0 {
			f.wroteBusy = true
		}
		f.busy = f.busyReads
	}
	for i, v := range b {
		f.mem[a+uint32(i)] = v
	}
	return nil
}

func (f *fakeMem) read(a uint32, b []byte, width int) error {
	f.widths = append(f.widths, width)
	if a%uint32(width) != 0 {
		return fmt.Errorf("fake: unaligned %d-byte read at 0x%x", width, a)
	}
	for i := range b {
		b[i] = f.get(a + uint32(i))
	}
	if a == f.statusAt && f.busy > 0 {
		f.busy--
		b[0] |= 1
	}
	return nil
}

func (f *fakeMem) ReadMemory8(_ context.Context, a uint32, d []byte) error  { return f.read(a, d, 1) }
func (f *fakeMem) WriteMemory8(_ context.Context, a uint32, s []byte) error { return f.write(a, s, 1) }
func (f *fakeMem) ReadMemory16(_ context.Context, a uint32, d []uint16) error {
	b := make([]byte, 2*len(d))
	if err := f.read(a, b, 2); err != nil {
		return err
	}
	for i := range d {
		d[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return nil
}
func (f *fakeMem) WriteMemory16(_ context.Context, a uint32, s []uint16) error {
	b := make([]byte, 2*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint16(b[2*i:], v)
	}
	return f.write(a, b, 2)
}
func (f *fakeMem) ReadMemory32(_ context.Context, a uint32, d []uint32) error {
	b := make([]byte, 4*len(d))
	if err := f.read(a, b, 4); err != nil {
		return err
	}
	for i := range d {
		d[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return nil
}
func (f *fakeMem) WriteMemory32(_ context.Context, a uint32, s []uint32) error {
	b := make([]byte, 4*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	return f.write(a, b, 4)
}

func isFlash(a uint32) bool { return a >= flashBase && a < flashBase+0x100000 }
