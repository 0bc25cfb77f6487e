package dap

import (
	"time"

	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// ramBus is a little-endian RAM at base. Accesses outside it are bus
// faults; writes at or above stallFrom hold the bus for stall.
type ramBus struct {
	base      uint32
	mem       []byte
	stallFrom uint32
	stall     time.Duration
}

func newRAM(base uint32, size int) *ramBus {
	return &ramBus{base: base, mem: make([]byte, size), stallFrom: 0xFFFFFFFF}
}

func (r *ramBus) in(addr uint32, size int) bool {
	return addr >= r.base && uint64(addr-r.base)+uint64(size) <= uint64(len(r.mem))
}

func (r *ramBus) Read(addr uint32, size int) (uint32, time.Duration, error) {
	if !r.in(addr, size) {
		return 0, 0, hw.ErrBusFault
	}
	var v uint32
	for i := size - 1; i >= 0; i-- {
		v = v<<8 | uint32(r.mem[addr-r.base+uint32(i)])
	}
	return v, 0, nil
}

func (r *ramBus) Write(addr uint32, size int, v uint32) (time.Duration, error) {
	if !r.in(addr, size) {
		return 0, hw.ErrBusFault
	}
	for i := range size {
		r.mem[addr-r.base+uint32(i)] = byte(v >> (8 * i))
	}
	if addr >= r.stallFrom {
		return r.stall, nil
	}
	return 0, nil
}

// SWD request bytes as on the wire (probes.md §3.2, checked against the
// header layout in TestRequestBytes).
const (
	rdDPIDR   = 0xA5
	wrABORT   = 0x81
	rdCTRL    = 0x8D
	wrCTRL    = 0xA9
	rdRESEND  = 0x95
	wrSELECT  = 0xB1
	rdRDBUFF  = 0xBD
	wrTARGSEL = 0x99
	rdAP0     = 0x87
	rdAP4     = 0xAF
	rdAP8     = 0xB7
	rdAPC     = 0x9F
	wrAP0     = 0xA3
	wrAP4     = 0x8B
	wrAP8     = 0x93
	wrAPC     = 0xBB
)

const stm32DPIDR = 0x1BA01477

// newM3 is a Cortex-M3-like DP with a 4 KiB-wrap AHB-AP over ram.
func newM3(ram hw.Bus) (*DP, *clock.Clock) {
	clk := new(clock.Clock)
	dp := NewDP(hw.DPSpec{
		DPIDR:   stm32DPIDR,
		Version: 1,
		APs: []hw.APSpec{{Mem: &hw.MemAPSpec{
			Bus: ram, IDR: 0x24770011, BASE: 0xE00FF003, WrapBytes: 4096, Sizes: []int{1, 2},
		}}},
	}, clk)
	return dp, clk
}

// lineReset is 56 ones and 8 zeros (probes.md §3.1).
var lineResetBits = []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}

// connect does line reset, DPIDR read, sticky clear and power-up.
func connect(w *SWDWire) (uint8, uint32) {
	w.Out(64, lineResetBits)
	ack, id, _ := w.Transfer(rdDPIDR, 0)
	if ack != AckOK {
		return ack, id
	}
	w.Transfer(wrABORT, 0x1E)
	w.Transfer(wrCTRL, CtrlCDbgPwrUpReq|CtrlCSysPwrUpReq)
	return ack, id
}

func clockAt(ns int64) time.Duration { return time.Duration(ns) }
