//go:build cgo && !nounicorn

package unicorn

/*
#cgo LDFLAGS: -lunicorn
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"runtime/cgo"
	"sync/atomic"
	"time"
	"unsafe"
	"weak"
)

// Available reports whether the package was built with libunicorn.
const Available = true

// Engine is one Unicorn ARM engine in Thumb + M-class mode. It is not safe
// for concurrent use. Close frees it; an engine nobody references any more
// is freed by the garbage collector as well (each reserves Unicorn's code
// buffer, about 1 GiB of address space and a few MiB resident, so a chip
// dropped without Close must not keep one).
type Engine struct {
	uc      *C.uc_engine
	st      *C.fs_state
	res     *resources
	cleanup runtime.Cleanup

	windows []Bus    // MMIO windows by index
	ro      []roArea // read-only memory whose writes go to a bus

	// Hz converts a bus stall into cycles (the core's clock now).
	Hz uint32
	// BusTime, when set, is called before every MMIO access with the
	// cycles charged so far in this Run, so the owner can present the
	// peripherals with the core's own modeled time.
	BusTime func(cycles uint64)

	fault *Fault
}

// resources are the C side of an engine, freed by Close or by the
// garbage collector's cleanup. They must not reference the Engine: the
// callbacks find it through a weak pointer, so the C side never keeps
// the Engine (and the chip its buses belong to) alive.
type resources struct {
	uc  *C.uc_engine
	st  *C.fs_state
	h   cgo.Handle // of a weak.Pointer[Engine]
	pin runtime.Pinner
}

func (r *resources) release() {
	if r.uc == nil {
		return
	}
	C.uc_close(r.uc)
	C.free(unsafe.Pointer(r.st))
	r.h.Delete()
	r.pin.Unpin()
	r.uc, r.st = nil, nil
	live.Add(-1)
}

var live atomic.Int64

// Live is the number of engines open now (not yet closed or collected).
func Live() int { return int(live.Load()) }

type roArea struct {
	base, size uint32
	mem        []byte
	bus        Bus
}

// New opens an engine for the given core; Close frees it.
func New(m Model) (*Engine, error) {
	var id C.int
	switch m {
	case CortexM0:
		id = C.UC_CPU_ARM_CORTEX_M0
	case CortexM3:
		id = C.UC_CPU_ARM_CORTEX_M3
	case CortexM4:
		id = C.UC_CPU_ARM_CORTEX_M4
	default:
		return nil, fmt.Errorf("unicorn: unknown core model %d", m)
	}
	var uc *C.uc_engine
	if err := ucErr("open", C.fs_open(id, &uc)); err != nil {
		return nil, err
	}
	live.Add(1)
	e := &Engine{uc: uc, st: (*C.fs_state)(C.calloc(1, C.sizeof_fs_state))}
	e.res = &resources{uc: e.uc, st: e.st, h: cgo.NewHandle(weak.Make(e))}
	e.cleanup = runtime.AddCleanup(e, (*resources).release, e.res)
	if m == CortexM0 {
		e.st.v6 = 1
	}
	e.st.handle = C.uintptr_t(e.res.h)
	if err := ucErr("hooks", C.fs_install(e.uc, e.st)); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// Close frees the engine. The memory mapped with MapMemory is the
// caller's again. Safe to call more than once.
func (e *Engine) Close() {
	if e.res == nil {
		return
	}
	e.cleanup.Stop()
	e.res.release()
	e.res, e.uc, e.st = nil, nil, nil
}

// MapMemory maps mem at base as memory the core executes from and reads
// directly: the engine and the caller share the one buffer, so bytes the
// caller changes are the bytes the core reads (call FlushCode after
// changing code under it). base and len(mem) must be multiples of 4 KiB.
// writes is nil for RAM; otherwise the region is read-only to the core and
// its stores go to writes (a flash array whose controller takes them).
// The same mem may be mapped at several addresses (boot aliases).
func (e *Engine) MapMemory(base uint32, mem []byte, writes Bus) error {
	n := uint32(len(mem))
	if n == 0 || base%4096 != 0 || n%4096 != 0 {
		return fmt.Errorf("unicorn: memory at %#08x: base and size (%#x) must be multiples of 4 KiB", base, n)
	}
	if int(e.st.ncode) >= C.FS_MAX_CODE {
		return fmt.Errorf("unicorn: memory at %#08x: more than %d memory regions", base, C.FS_MAX_CODE)
	}
	p := unsafe.Pointer(&mem[0])
	e.res.pin.Pin(p)
	perms := C.uint32_t(C.UC_PROT_ALL)
	if writes != nil {
		perms = C.UC_PROT_READ | C.UC_PROT_EXEC
		e.ro = append(e.ro, roArea{base, n, mem, writes})
	}
	if err := ucErr(fmt.Sprintf("map memory at %#08x", base), C.uc_mem_map_ptr(e.uc, C.uint64_t(base), C.size_t(n), perms, p)); err != nil {
		return err
	}
	r := &e.st.code[e.st.ncode]
	r.base, r.size, r.p = C.uint32_t(base), C.uint32_t(n), (*C.uint8_t)(p)
	e.st.ncode++
	return nil
}

// MapMMIO routes the core's loads and stores in [base, base+size) to bus,
// with absolute addresses. base and size must be multiples of 4 KiB.
func (e *Engine) MapMMIO(base uint32, size uint64, bus Bus) error {
	if size == 0 || base%4096 != 0 || size%4096 != 0 {
		return fmt.Errorf("unicorn: MMIO at %#08x: base and size (%#x) must be multiples of 4 KiB", base, size)
	}
	if len(e.windows) >= C.FS_MAX_MMIO {
		return fmt.Errorf("unicorn: MMIO at %#08x: more than %d windows", base, C.FS_MAX_MMIO)
	}
	e.windows = append(e.windows, bus)
	return ucErr(fmt.Sprintf("map MMIO at %#08x", base), C.fs_mmio(e.uc, C.uint64_t(base), C.uint64_t(size), e.st, C.uint32_t(len(e.windows)-1)))
}

// Protect makes mapped memory readable and executable (on) or not: a
// flash array the chip takes away from the CPU (readout protection) faults
// the core's fetches and loads while off.
func (e *Engine) Protect(base, size uint32, on bool) error {
	perms := C.uint32_t(C.UC_PROT_NONE)
	if on {
		perms = C.UC_PROT_READ | C.UC_PROT_EXEC
		for _, r := range e.ro {
			if r.base == base {
				goto set
			}
		}
		perms |= C.UC_PROT_WRITE
	}
set:
	return ucErr(fmt.Sprintf("protect %#08x", base), C.uc_mem_protect(e.uc, C.uint64_t(base), C.size_t(size), perms))
}

// Stop ends the current Run after the instruction in progress (from a
// bus callback: the chip reset the core, say). Run reports StopHost.
func (e *Engine) Stop() {
	e.st.reason = C.FS_STOP_HOST
	C.fs_stop(e.uc)
}

// SetTraps replaces the addresses at which Run stops before executing
// (StopTrap): entry points the host implements.
func (e *Engine) SetTraps(pcs []uint32) error {
	if len(pcs) > C.FS_MAX_TRAPS {
		return fmt.Errorf("unicorn: %d trap addresses, at most %d", len(pcs), C.FS_MAX_TRAPS)
	}
	for i, pc := range pcs {
		e.st.traps[i] = C.uint32_t(pc &^ 1)
	}
	e.st.ntraps = C.int(len(pcs))
	return nil
}

// Regs reads the core registers.
func (e *Engine) Regs() (Regs, error) {
	var r Regs
	err := ucErr("read registers", C.fs_regs_read(e.uc, (*C.uint32_t)(unsafe.Pointer(&r[0]))))
	return r, err
}

// SetRegs writes the core registers (SP is written to the bank CONTROL
// selects; MSP and PSP are written first).
func (e *Engine) SetRegs(r Regs) error {
	return ucErr("write registers", C.fs_regs_write(e.uc, (*C.uint32_t)(unsafe.Pointer(&r[0]))))
}

// FlushCode drops translated code for [start, end): call it after the
// memory under it changed other than by the core's own stores.
func (e *Engine) FlushCode(start, end uint32) error {
	return ucErr("flush code", C.fs_flush_range(e.uc, C.uint64_t(start), C.uint64_t(end)))
}

// FlushAllCode drops all code translated from mapped memory. It
// invalidates by range: Unicorn's UC_CTL_TB_FLUSH costs a few hundred
// milliseconds (it resets the whole translation buffer).
func (e *Engine) FlushAllCode() error {
	for i := 0; i < int(e.st.ncode); i++ {
		r := &e.st.code[i]
		if err := e.FlushCode(uint32(r.base), uint32(r.base)+uint32(r.size)); err != nil {
			return err
		}
	}
	return nil
}

// Run executes from pc until the budget of cycles is spent (checked
// before each instruction), insnLimit instructions retired (0: no limit),
// or an event stops it. It returns where it stopped; the registers are
// read with Regs.
func (e *Engine) Run(pc uint32, budget, insnLimit uint64) (Stop, error) {
	e.fault = nil
	e.st.cycles, e.st.insns = 0, 0
	e.st.budget, e.st.insn_limit = C.uint64_t(budget), C.uint64_t(insnLimit)
	rc := C.fs_run(e.uc, e.st, C.uint32_t(pc))
	C.fs_restore(e.st)
	runtime.KeepAlive(e) // the callbacks reach it through a weak pointer
	s := Stop{Reason: StopReason(e.st.reason), Cycles: uint64(e.st.cycles), Insns: uint64(e.st.insns),
		Intno: uint32(e.st.intno), TrapPC: uint32(e.st.trap_pc), Fault: e.fault}
	if e.fault != nil {
		s.Reason = StopFault
		return s, nil
	}
	if rc == C.UC_ERR_INSN_INVALID {
		// Unicorn 2.0.1 ends the run with this error on UDF and other
		// undefined encodings instead of raising EXCP_UDEF through the
		// interrupt hook; PC is at the instruction.
		s.Reason, s.Intno = StopIntr, ExcpUDEF
		return s, nil
	}
	if rc != C.UC_ERR_OK {
		return s, ucErr("run", rc)
	}
	return s, nil
}

func (e *Engine) stall(d time.Duration) {
	if d > 0 && e.Hz != 0 {
		e.st.cycles += C.uint64_t(uint64(d) * uint64(e.Hz) / uint64(time.Second))
	}
}

func (e *Engine) busTime() {
	if e.BusTime != nil {
		e.BusTime(uint64(e.st.cycles))
	}
}

func (e *Engine) stopFault(f Fault) {
	if e.fault == nil {
		e.fault = &f
	}
	e.st.reason = C.FS_STOP_HOST
	C.fs_stop(e.uc)
}

//export fsGoRead
func fsGoRead(h C.uintptr_t, window C.uint32_t, addr C.uint32_t, size C.unsigned) C.uint64_t {
	e := engineOf(h)
	e.busTime()
	v, stall, err := e.windows[window].Read(uint32(addr), int(size))
	e.stall(stall)
	if err != nil {
		e.stopFault(Fault{Addr: uint32(addr), Size: int(size), Err: err})
		return 0
	}
	return C.uint64_t(v)
}

//export fsGoWrite
func fsGoWrite(h C.uintptr_t, window C.uint32_t, addr C.uint32_t, size C.unsigned, v C.uint32_t) {
	e := engineOf(h)
	e.busTime()
	stall, err := e.windows[window].Write(uint32(addr), int(size), uint32(v))
	e.stall(stall)
	if err != nil {
		e.stopFault(Fault{Addr: uint32(addr), Size: int(size), Write: true, Err: err})
	}
}

//export fsGoWriteProt
func fsGoWriteProt(h C.uintptr_t, addr C.uint32_t, size C.int, v C.uint32_t) C.int {
	e := engineOf(h)
	a := uint32(addr)
	for _, r := range e.ro {
		if a-r.base < r.size {
			e.busTime()
			stall, err := r.bus.Write(a, int(size), uint32(v))
			e.stall(stall)
			off := a - r.base
			if n := int(size); n <= len(e.st.restore) && int(off)+n <= len(r.mem) {
				for i := 0; i < n; i++ {
					e.st.restore[i] = C.uint8_t(r.mem[int(off)+i])
				}
				e.st.restore_ptr = (*C.uint8_t)(unsafe.Pointer(&r.mem[off]))
				e.st.restore_n = C.int(n)
			}
			if err != nil {
				e.stopFault(Fault{Addr: a, Size: int(size), Write: true, Err: err})
				return 0
			}
			return 1
		}
	}
	e.stopFault(Fault{Addr: a, Size: int(size), Write: true, Err: ErrUnmapped})
	return 0
}

//export fsGoUnmapped
func fsGoUnmapped(h C.uintptr_t, addr C.uint32_t, fetch C.bool) {
	e := engineOf(h)
	if e.fault == nil {
		e.fault = &Fault{Addr: uint32(addr), Fetch: bool(fetch), Err: ErrUnmapped}
	}
}

// engineOf is the engine a callback belongs to: it is running, so the
// weak pointer is live.
func engineOf(h C.uintptr_t) *Engine {
	return cgo.Handle(h).Value().(weak.Pointer[Engine]).Value()
}

func ucErr(what string, rc C.uc_err) error {
	if rc == C.UC_ERR_OK {
		return nil
	}
	return fmt.Errorf("unicorn: %s: %s", what, C.GoString(C.uc_strerror(rc)))
}
