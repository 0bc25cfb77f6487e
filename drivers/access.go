package drivers

import (
	"context"
	"time"
)

// DAPOp is one DP or AP register access in a batch. Addr is the full
// register address (for an AP, including the bank: 0x00..0xFC; for a DP,
// 0x0..0xC plus the DP bank in bits 7:4 for DPv1+ banked registers).
type DAPOp struct {
	AP    bool
	APSel uint8
	Addr  uint8
	Write bool
	Value uint32 // for writes
	// Result receives the value of a read. May be nil for reads whose value
	// is not wanted (e.g. to flush a posted read).
	Result *uint32
	// Match, on a read, makes the probe repeat the read until
	// value&Match.Mask == Match.Value (on-probe polling where supported,
	// host polling otherwise).
	Match *Match
}

// Match is a value-match condition for polling reads.
type Match struct {
	Mask, Value uint32
}

// DAPAccess is raw ADIv5 register access. Drivers manage SELECT, posted
// reads and WAIT retries; callers see plain register reads and writes.
type DAPAccess interface {
	ReadDP(ctx context.Context, addr uint8) (uint32, error)
	WriteDP(ctx context.Context, addr uint8, value uint32) error
	ReadAP(ctx context.Context, apsel, addr uint8) (uint32, error)
	WriteAP(ctx context.Context, apsel, addr uint8, value uint32) error
	// Batch runs ops in order with as few USB round trips as the probe
	// allows. It stops at the first failing op and returns its error; ops
	// before it took effect.
	Batch(ctx context.Context, ops []DAPOp) error
	// BlockRead reads len(dst) words from one AP register (DRW), as a run.
	BlockRead(ctx context.Context, apsel, addr uint8, dst []uint32) error
	// BlockWrite writes src to one AP register (DRW), as a run.
	BlockWrite(ctx context.Context, apsel, addr uint8, src []uint32) error
}

// MemoryAccess reads and writes target memory through one MEM-AP (AP 0
// unless the implementation was built for another). Addresses must be
// aligned to the access size; implementations split runs as the AP's TAR
// auto-increment window and the probe's packet sizes require.
type MemoryAccess interface {
	ReadMemory8(ctx context.Context, addr uint32, dst []byte) error
	WriteMemory8(ctx context.Context, addr uint32, src []byte) error
	ReadMemory16(ctx context.Context, addr uint32, dst []uint16) error
	WriteMemory16(ctx context.Context, addr uint32, src []uint16) error
	ReadMemory32(ctx context.Context, addr uint32, dst []uint32) error
	WriteMemory32(ctx context.Context, addr uint32, src []uint32) error
}

// MemoryPoller polls a 32-bit word until value&mask == want, on the probe
// where it can (CMSIS-DAP value match), saving a USB round trip per poll.
// It returns the last value read. timeout bounds the poll on the probe's
// clock (see Deadline; 0: only ctx bounds it); it is checked between
// rounds and never cancels a transfer. Running out of it wraps
// ErrPollTimeout.
type MemoryPoller interface {
	PollMemory32(ctx context.Context, addr, mask, want uint32, timeout time.Duration) (uint32, error)
}

// Core register numbers as DCRSR REGSEL encodes them.
const (
	RegR0   uint16 = 0
	RegSP   uint16 = 13
	RegLR   uint16 = 14
	RegPC   uint16 = 15
	RegXPSR uint16 = 16
	RegMSP  uint16 = 17
	RegPSP  uint16 = 18
)

// CoreControl is Cortex-M run control.
type CoreControl interface {
	Halt(ctx context.Context) error
	Resume(ctx context.Context) error
	// ResetAndHalt resets the system and stops the core at the reset
	// vector (vector catch), before any firmware runs.
	ResetAndHalt(ctx context.Context) error
	// Reset resets the system and lets the firmware run.
	Reset(ctx context.Context) error
	IsHalted(ctx context.Context) (bool, error)
	// WaitHalted returns once the core halts, or ctx ends.
	WaitHalted(ctx context.Context) error
	ReadCoreReg(ctx context.Context, reg uint16) (uint32, error)
	WriteCoreReg(ctx context.Context, reg uint16, value uint32) error
}
