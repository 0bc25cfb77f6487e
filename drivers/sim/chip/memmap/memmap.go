package memmap

import (
	"time"

	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// Region maps [Base, Base+Size) to Bus. The Bus sees offsets from Base.
type Region struct {
	Base, Size uint32
	Bus        hw.Bus
}

// Map routes accesses to regions; unmapped addresses are bus faults.
type Map struct {
	regions []Region
}

// Add maps a region. Regions must not overlap; the first match wins.
func (m *Map) Add(base, size uint32, b hw.Bus) {
	m.regions = append(m.regions, Region{Base: base, Size: size, Bus: b})
}

func (m *Map) find(addr uint32) *Region {
	for i := range m.regions {
		r := &m.regions[i]
		if addr-r.Base < r.Size {
			return r
		}
	}
	return nil
}

// Read routes a read to the region holding addr.
func (m *Map) Read(addr uint32, size int) (uint32, time.Duration, error) {
	r := m.find(addr)
	if r == nil {
		return 0, 0, hw.ErrBusFault
	}
	return r.Bus.Read(addr-r.Base, size)
}

// Write routes a write to the region holding addr.
func (m *Map) Write(addr uint32, size int, value uint32) (time.Duration, error) {
	r := m.find(addr)
	if r == nil {
		return 0, hw.ErrBusFault
	}
	return r.Bus.Write(addr-r.Base, size, value)
}

// Mem is a little-endian byte array (flash contents, RAM, ROM).
type Mem []byte

// Load reads size (1, 2, 4) bytes at off.
func (m Mem) Load(off uint32, size int) uint32 {
	switch size {
	case 1:
		return uint32(m[off])
	case 2:
		return uint32(m[off]) | uint32(m[off+1])<<8
	}
	return uint32(m[off]) | uint32(m[off+1])<<8 | uint32(m[off+2])<<16 | uint32(m[off+3])<<24
}

// Store writes size (1, 2, 4) bytes at off.
func (m Mem) Store(off uint32, size int, v uint32) {
	for i := 0; i < size; i++ {
		m[off+uint32(i)] = byte(v >> (8 * i))
	}
}

// Fill sets n bytes from off to b (0xFF erases flash).
func (m Mem) Fill(off, n uint32, b byte) {
	s := m[off : off+n]
	for i := range s {
		s[i] = b
	}
}

// IsFilled reports whether n bytes from off all equal b.
func (m Mem) IsFilled(off, n uint32, b byte) bool {
	for _, x := range m[off : off+n] {
		if x != b {
			return false
		}
	}
	return true
}

// RAM is a read-write Mem as a bus (offsets from its region's base).
type RAM struct{ Mem Mem }

// NewRAM returns size bytes of zeroed RAM.
func NewRAM(size int) *RAM { return &RAM{Mem: make(Mem, size)} }

func (r *RAM) Read(off uint32, size int) (uint32, time.Duration, error) {
	return r.Mem.Load(off, size), 0, nil
}

func (r *RAM) Write(off uint32, size int, v uint32) (time.Duration, error) {
	r.Mem.Store(off, size, v)
	return 0, nil
}

// ROM is a read-only Mem as a bus: writes are bus faults.
type ROM struct{ Mem Mem }

func (r ROM) Read(off uint32, size int) (uint32, time.Duration, error) {
	return r.Mem.Load(off, size), 0, nil
}

func (r ROM) Write(uint32, int, uint32) (time.Duration, error) { return 0, hw.ErrBusFault }

// Offset presents a bus that expects absolute addresses (a cortexm PPB) to
// a Map, which hands out offsets: it adds Base back.
type Offset struct {
	Base uint32
	Bus  hw.Bus
}

func (o Offset) Read(off uint32, size int) (uint32, time.Duration, error) {
	return o.Bus.Read(o.Base+off, size)
}

func (o Offset) Write(off uint32, size int, v uint32) (time.Duration, error) {
	return o.Bus.Write(o.Base+off, size, v)
}
