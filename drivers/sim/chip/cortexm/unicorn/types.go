package unicorn

import (
	"errors"
	"fmt"
	"time"
)

// Model is the CPU model Unicorn emulates.
type Model int

const (
	CortexM0 Model = iota // ARMv6-M (RP2040's M0+ runs as an M0)
	CortexM3              // ARMv7-M
	CortexM4              // ARMv7E-M (the FPU is not enabled)
)

// Bus is what the core's loads and stores reach outside plain memory:
// the chip's peripheral models, with absolute addresses. It matches
// drivers/sim/hw.Bus.
type Bus interface {
	Read(addr uint32, size int) (value uint32, stall time.Duration, err error)
	Write(addr uint32, size int, value uint32) (stall time.Duration, err error)
}

// Register indices of Regs: R0–R12, SP, LR, PC, xPSR, MSP, PSP as in
// DCRSR.REGSEL (ARMv7-M ARM C1.6.3), then CONTROL and PRIMASK.
const (
	RegSP      = 13
	RegLR      = 14
	RegPC      = 15
	RegXPSR    = 16
	RegMSP     = 17
	RegPSP     = 18
	RegCONTROL = 19
	RegPRIMASK = 20
	NumRegs    = 21
)

// Regs is the register file as Run reads and writes it.
type Regs [NumRegs]uint32

// StopReason says why Run returned.
type StopReason int

const (
	StopNone   StopReason = iota // Unicorn stopped by itself (WFI ends emu_start, or an error)
	StopBudget                   // cycle budget or instruction limit reached
	StopBKPT                     // PC is at a BKPT instruction, not executed
	StopWFI                      // PC is at WFI, not executed
	StopWFE                      // PC is at WFE, not executed
	StopHost                     // a callback stopped the run
	StopIntr                     // Unicorn raised an exception (Intno: QEMU's EXCP_* number)
	StopTrap                     // PC reached a trap address (TrapPC), not executed
	StopFault                    // a load, store or fetch faulted (Fault)
	StopSpin                     // PC is at a branch to itself (B .), not executed
)

func (r StopReason) String() string {
	names := [...]string{"none", "budget", "bkpt", "wfi", "wfe", "host", "exception", "trap", "fault", "spin"}
	if int(r) < len(names) {
		return names[r]
	}
	return fmt.Sprintf("stop(%d)", int(r))
}

// QEMU's exception numbers as Unicorn reports them to the interrupt hook
// (target/arm/cpu.h).
const (
	ExcpUDEF      = 1 // undefined instruction (UDF, unallocated encodings)
	ExcpSWI       = 2 // SVC; PC is past the instruction
	ExcpPrefetch  = 3 // instruction fetch abort
	ExcpDataAbort = 4
	ExcpBKPT      = 7
	ExcpExcReturn = 8  // a branch to an EXC_RETURN value (0xFFFFFFxx)
	ExcpNOCP      = 17 // coprocessor (FPU) disabled
	ExcpINVSTATE  = 18 // EPSR.T clear
	ExcpUnaligned = 22
)

// Stop is where and why Run returned.
type Stop struct {
	Reason        StopReason
	Cycles, Insns uint64 // charged and retired in this Run
	Intno         uint32 // with StopIntr
	TrapPC        uint32 // with StopTrap
	Fault         *Fault // with StopFault
}

// Fault is a failed access by the core.
type Fault struct {
	Addr  uint32
	Size  int
	Write bool
	Fetch bool
	Err   error
}

// ErrUnmapped is an access where nothing is mapped.
var ErrUnmapped = errors.New("unicorn: nothing mapped there")
