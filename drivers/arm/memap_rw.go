package arm

import (
	"context"
	"time"
)

// Byte lanes (ADIv5.2 C2.2.6): an 8- or 16-bit access carries its data on
// the lanes of its address, e.g. the byte at 0x…2 in bits 23:16 of DRW.

// ReadMemory32 reads len(dst) words from addr (4-byte aligned).
func (m *MemAP) ReadMemory32(ctx context.Context, addr uint32, dst []uint32) error {
	if err := checkAlign(addr, cswSize32); err != nil {
		return err
	}
	return m.access(ctx, addr, cswSize32, dst, true)
}

// WriteMemory32 writes src at addr (4-byte aligned).
func (m *MemAP) WriteMemory32(ctx context.Context, addr uint32, src []uint32) error {
	if err := checkAlign(addr, cswSize32); err != nil {
		return err
	}
	return m.access(ctx, addr, cswSize32, src, false)
}

// ReadMemory16 reads len(dst) halfwords from addr (2-byte aligned).
func (m *MemAP) ReadMemory16(ctx context.Context, addr uint32, dst []uint16) error {
	if err := checkAlign(addr, cswSize16); err != nil {
		return err
	}
	w := make([]uint32, len(dst))
	if err := m.access(ctx, addr, cswSize16, w, true); err != nil {
		return err
	}
	for i := range dst {
		dst[i] = uint16(w[i] >> lane(addr+uint32(2*i)))
	}
	return nil
}

// WriteMemory16 writes src at addr (2-byte aligned).
func (m *MemAP) WriteMemory16(ctx context.Context, addr uint32, src []uint16) error {
	if err := checkAlign(addr, cswSize16); err != nil {
		return err
	}
	w := make([]uint32, len(src))
	for i, v := range src {
		w[i] = uint32(v) << lane(addr+uint32(2*i))
	}
	return m.access(ctx, addr, cswSize16, w, false)
}

// ReadMemory8 reads len(dst) bytes from addr with byte accesses.
func (m *MemAP) ReadMemory8(ctx context.Context, addr uint32, dst []byte) error {
	w := make([]uint32, len(dst))
	if err := m.access(ctx, addr, cswSize8, w, true); err != nil {
		return err
	}
	for i := range dst {
		dst[i] = byte(w[i] >> lane(addr+uint32(i)))
	}
	return nil
}

// WriteMemory8 writes src at addr with byte accesses.
func (m *MemAP) WriteMemory8(ctx context.Context, addr uint32, src []byte) error {
	w := make([]uint32, len(src))
	for i, v := range src {
		w[i] = uint32(v) << lane(addr+uint32(i))
	}
	return m.access(ctx, addr, cswSize8, w, false)
}

// lane is the bit shift of the byte lane that addr's data travels on.
func lane(addr uint32) uint32 { return 8 * (addr & 3) }

// PollMemory32 repeats a value-match read of the word at addr until
// value&mask == want, ctx ends or timeout passes on the probe's clock
// (drivers.MemoryPoller), and returns the last value read. CSW
// auto-increment is off while polling so every read sees the same word.
func (m *MemAP) PollMemory32(ctx context.Context, addr, mask, want uint32, timeout time.Duration) (uint32, error) {
	if err := checkAlign(addr, cswSize32); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	setup := append(m.cswOps(cswSize32, false), m.tarOp(addr))
	if len(setup) == 2 {
		// Write CSW once only; later rounds need just the TAR write.
		if err := m.dap.Batch(ctx, setup[:1]); err != nil {
			m.cswOK = false
			return 0, m.wrap(addr, true, err)
		}
		setup = setup[1:]
	}
	got, err := poll(ctx, m.dap, setup, dapOp(m.apsel, DRW), mask, want, timeout)
	if err != nil {
		m.cswOK = false
		return got.v, m.wrap(addr, true, err)
	}
	return got.v, nil
}
