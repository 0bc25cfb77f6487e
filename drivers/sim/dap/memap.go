package dap

import (
	"time"

	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// MEM-AP register addresses (ADIv5 C2.6).
const (
	regCSW  = 0x00
	regTAR  = 0x04
	regDRW  = 0x0C
	regBD0  = 0x10
	regBD3  = 0x1C
	regCFG  = 0xF4
	regBASE = 0xF8
	regIDR  = 0xFC
)

// CSW fields (ADIv5 C2.6.4).
const (
	cswSize      uint32 = 0x7
	cswAddrInc   uint32 = 0x3 << 4
	cswIncSingle uint32 = 0x1 << 4
	cswDeviceEn  uint32 = 1 << 6
	cswTrInProg  uint32 = 1 << 7
	// Prot [30:24] and DbgSwEnable [31] are plain storage here: the
	// simulated buses do not tell privileged from user accesses.
	cswProt uint32 = 0xFF << 24
	// Reset value of a Cortex-M AHB-AP: 32-bit, no increment, HPROT data
	// and privileged.
	cswReset uint32 = 0x03000002
)

// memAP is a MEM-AP in front of a chip's bus.
type memAP struct {
	spec     *hw.MemAPSpec
	dp       *DP
	wrapMask uint32
	size8    bool
	size16   bool

	csw uint32 // Size, AddrInc, Prot; DeviceEn and TrInProg are derived
	tar uint32
}

func newMemAP(spec *hw.MemAPSpec, dp *DP) *memAP {
	m := &memAP{spec: spec, dp: dp, wrapMask: 1024 - 1}
	if spec.WrapBytes >= 4 && spec.WrapBytes&(spec.WrapBytes-1) == 0 {
		m.wrapMask = spec.WrapBytes - 1
	}
	for _, s := range spec.Sizes {
		switch s {
		case 1:
			m.size8 = true
		case 2:
			m.size16 = true
		}
	}
	m.reset()
	return m
}

func (m *memAP) reset() { m.csw, m.tar = cswReset, 0 }

func (m *memAP) blocked() bool { return m.spec.Blocked != nil && m.spec.Blocked() }

// size is the access size in bytes CSW.Size selects.
func (m *memAP) size() uint32 { return 1 << (m.csw & cswSize) }

func (m *memAP) readCSW() uint32 {
	v := m.csw
	if !m.blocked() {
		v |= cswDeviceEn
	}
	if m.dp.clk.Now() < m.dp.abortedUntil {
		v |= cswTrInProg
	}
	return v
}

// writeCSW stores the writable fields. A size or increment mode the AP
// does not implement leaves the field as it was, so a host probing for
// support by read-back sees the old value (packed increment is not
// implemented, as on the Cortex-M AHB-APs).
func (m *memAP) writeCSW(v uint32) {
	keep := m.csw
	m.csw = m.csw&^cswProt | v&cswProt
	switch v & cswSize {
	case 0:
		if m.size8 {
			m.csw = m.csw&^cswSize | 0
		}
	case 1:
		if m.size16 {
			m.csw = m.csw&^cswSize | 1
		}
	case 2:
		m.csw = m.csw&^cswSize | 2
	}
	if inc := v & cswAddrInc; inc <= cswIncSingle {
		m.csw = m.csw&^cswAddrInc | inc
	} else {
		m.csw = m.csw&^cswAddrInc | keep&cswAddrInc
	}
}

func (m *memAP) readAP(reg uint8) (uint32, time.Duration, error) {
	switch {
	case reg == regCSW:
		return m.readCSW(), 0, nil
	case reg == regTAR:
		return m.tar, 0, nil
	case reg == regDRW:
		return m.transfer(m.tar, true, 0, true)
	case reg >= regBD0 && reg <= regBD3:
		return m.transfer(m.bdAddr(reg), true, 0, false)
	case reg == regCFG:
		return 0, 0, nil // little-endian, 32-bit addresses
	case reg == regBASE:
		return m.spec.BASE, 0, nil
	case reg == regIDR:
		return m.spec.IDR, 0, nil
	}
	return 0, 0, nil
}

func (m *memAP) writeAP(reg uint8, v uint32) (time.Duration, error) {
	switch {
	case reg == regCSW:
		m.writeCSW(v)
	case reg == regTAR:
		m.tar = v
	case reg == regDRW:
		_, stall, err := m.transfer(m.tar, false, v, true)
		return stall, err
	case reg >= regBD0 && reg <= regBD3:
		_, stall, err := m.transfer(m.bdAddr(reg), false, v, false)
		return stall, err
	}
	return 0, nil
}

// bdAddr is the address BDn reaches: TAR[31:4], n, TAR[1:0].
func (m *memAP) bdAddr(reg uint8) uint32 {
	return m.tar&^0xF | uint32(reg&0xC) | m.tar&3
}

// transfer runs one data access at addr. The data register carries the
// value on the byte lanes of addr[1:0] (ADIv5 C2.2.6): a byte at TAR 0x..2
// is DRW[23:16]. With increment on, a successful access advances TAR by
// the size inside the auto-increment window: the low bits wrap, the upper
// bits stay, as on Arm's AHB-APs.
func (m *memAP) transfer(addr uint32, read bool, v uint32, inc bool) (uint32, time.Duration, error) {
	if m.blocked() {
		return 0, 0, hw.ErrBusFault
	}
	size := m.size()
	if addr&(size-1) != 0 {
		return 0, 0, hw.ErrBusFault // unaligned: the AHB-AP issues no such transfer
	}
	shift := (addr & 3) * 8
	mask := uint32(0xFFFFFFFF)
	if size < 4 {
		mask = 1<<(size*8) - 1
	}
	var stall time.Duration
	var err error
	var out uint32
	if read {
		var val uint32
		val, stall, err = m.spec.Bus.Read(addr, int(size))
		out = (val & mask) << shift
	} else {
		stall, err = m.spec.Bus.Write(addr, int(size), (v>>shift)&mask)
	}
	if err != nil {
		if _, ok := waitUntil(err); ok {
			return 0, 0, err
		}
		return 0, 0, hw.ErrBusFault
	}
	if inc && m.csw&cswAddrInc == cswIncSingle {
		m.tar = m.tar&^m.wrapMask | (m.tar+size)&m.wrapMask
	}
	return out, stall, nil
}
