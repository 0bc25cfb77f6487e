//go:build cgo && !nounicorn

package unicorn

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

// prog is a.S (assembled with arm-none-eabi-as -mcpu=cortex-m3):
//
//	0: ldr r0, =0x40000010   @ MMIO
//	2: ldr r1, =0x20000100   @ RAM
//	4: movs r2, #0x5A
//	6: str r2, [r1]
//	8: str r2, [r0]
//	a: ldr r3, [r0, #4]
//	c: mov.w r4, #0x08000000 @ read-only "flash"
//	10: strh r2, [r4]
//	12: ldr r5, [r4]
//	14: bkpt #1
//	16: svc #7
//	18: wfi
//	1a: nop
//	1c: b .
var prog = []byte{
	0x07, 0x48, 0x08, 0x49, 0x5a, 0x22, 0x0a, 0x60, 0x02, 0x60, 0x43, 0x68,
	0x4f, 0xf0, 0x00, 0x64, 0x22, 0x80, 0x25, 0x68, 0x01, 0xbe, 0x07, 0xdf,
	0x30, 0xbf, 0x00, 0xbf, 0xfe, 0xe7, 0x00, 0x00, 0x10, 0x00, 0x00, 0x40,
	0x00, 0x01, 0x00, 0x20,
}

type access struct {
	addr  uint32
	size  int
	value uint32
	write bool
}

type fakeBus struct {
	log   []access
	read  uint32
	err   error
	stall time.Duration
}

func (b *fakeBus) Read(addr uint32, size int) (uint32, time.Duration, error) {
	b.log = append(b.log, access{addr, size, 0, false})
	return b.read, b.stall, b.err
}

func (b *fakeBus) Write(addr uint32, size int, v uint32) (time.Duration, error) {
	b.log = append(b.log, access{addr, size, v, true})
	return b.stall, b.err
}

type rig struct {
	e          *Engine
	ram, flash []byte
	mmio, fw   *fakeBus
}

func newRig(t *testing.T, m Model) *rig {
	t.Helper()
	e, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	r := &rig{e: e, ram: make([]byte, 8192), flash: make([]byte, 4096), mmio: &fakeBus{read: 0x1234}, fw: &fakeBus{}}
	for i := range r.flash {
		r.flash[i] = 0xFF
	}
	copy(r.ram, prog)
	for _, err := range []error{
		e.MapMemory(0x20000000, r.ram, nil),
		e.MapMemory(0x08000000, r.flash, r.fw),
		e.MapMemory(0x00000000, r.flash, r.fw), // a boot alias of the same array
		e.MapMMIO(0x40000000, 0x1000, r.mmio),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	var regs Regs
	regs[RegSP] = 0x20001000
	regs[RegXPSR] = 1 << 24
	if err := e.SetRegs(regs); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) regs(t *testing.T) Regs {
	t.Helper()
	g, err := r.e.Regs()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestRunMemoryAndMMIO(t *testing.T) {
	r := newRig(t, CortexM3)
	st, err := r.e.Run(0x20000000, 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	g := r.regs(t)
	if st.Reason != StopBKPT || g[RegPC] != 0x20000014 {
		t.Fatalf("stop %v at PC %#x, want bkpt at 0x20000014", st.Reason, g[RegPC])
	}
	// The cost model (cpi.go): LDR 2, STR 1, ALU 1 on the M3.
	if st.Insns != 9 || st.Cycles != 13 {
		t.Errorf("retired %d instructions in %d cycles, want 9 in 13", st.Insns, st.Cycles)
	}
	if got := binary.LittleEndian.Uint32(r.ram[0x100:]); got != 0x5A {
		t.Errorf("RAM word = %#x, want 0x5A (one buffer shared with the core)", got)
	}
	want := []access{{0x40000010, 4, 0x5A, true}, {0x40000014, 4, 0, false}}
	if len(r.mmio.log) != 2 || r.mmio.log[0] != want[0] || r.mmio.log[1] != want[1] {
		t.Errorf("MMIO accesses %+v, want %+v", r.mmio.log, want)
	}
	if g[3] != 0x1234 {
		t.Errorf("r3 = %#x, want the MMIO read 0x1234", g[3])
	}
	if len(r.fw.log) != 1 || r.fw.log[0] != (access{0x08000000, 2, 0x5A, true}) {
		t.Errorf("flash bus saw %+v, want one halfword store of 0x5A", r.fw.log)
	}
	if g[5] != 0xFFFFFFFF || r.flash[0] != 0xFF {
		t.Errorf("flash reads %#x, array[0] %#x: a store to read-only memory must not change it", g[5], r.flash[0])
	}
}

func TestRunEvents(t *testing.T) {
	r := newRig(t, CortexM3)
	// Past the BKPT: SVC raises an exception with PC past it.
	st, err := r.e.Run(0x20000016, 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	if g := r.regs(t); st.Reason != StopIntr || st.Intno != ExcpSWI || g[RegPC] != 0x20000018 {
		t.Fatalf("stop %v intno %d PC %#x, want SWI with PC 0x20000018", st.Reason, st.Intno, g[RegPC])
	}
	st, _ = r.e.Run(0x20000018, 1000, 0)
	if g := r.regs(t); st.Reason != StopWFI || g[RegPC] != 0x20000018 {
		t.Fatalf("stop %v at %#x, want WFI at 0x20000018", st.Reason, g[RegPC])
	}
	// b . stops unexecuted: the caller knows nothing but a debugger or
	// a reset ends it.
	st, _ = r.e.Run(0x2000001c, 100, 0)
	if g := r.regs(t); st.Reason != StopSpin || g[RegPC] != 0x2000001c || st.Cycles != 0 {
		t.Fatalf("stop %v at %#x after %d cycles, want spin at 0x2000001c after 0", st.Reason, g[RegPC], st.Cycles)
	}
	// The budget stops before the instruction that would pass it: LDR 2,
	// LDR 2, MOVS 1, then the STR at 0x20000006 is not run.
	st, _ = r.e.Run(0x20000000, 5, 0)
	if g := r.regs(t); st.Reason != StopBudget || g[RegPC] != 0x20000006 || st.Cycles != 5 {
		t.Fatalf("stop %v at %#x after %d cycles, want budget at 0x20000006 after 5", st.Reason, g[RegPC], st.Cycles)
	}
	// UDF: reported as EXCP_UDEF with PC at it (Unicorn's own answer is
	// an error ending the run).
	r.ram[0x200], r.ram[0x201] = 0x00, 0xde
	st, err = r.e.Run(0x20000200, 1000, 0)
	if g := r.regs(t); err != nil || st.Reason != StopIntr || st.Intno != ExcpUDEF || g[RegPC] != 0x20000200 {
		t.Fatalf("UDF: stop %v intno %d PC %#x err %v, want exception UDEF at 0x20000200", st.Reason, st.Intno, g[RegPC], err)
	}
	// A step: exactly one instruction.
	st, _ = r.e.Run(0x20000004, 1000, 1)
	if g := r.regs(t); st.Insns != 1 || g[RegPC] != 0x20000006 || g[2] != 0x5A {
		t.Fatalf("step retired %d, PC %#x r2 %#x; want 1, 0x20000006, 0x5A", st.Insns, g[RegPC], g[2])
	}
}

func TestRunFaults(t *testing.T) {
	r := newRig(t, CortexM3)
	r.mmio.err = errors.New("bus fault")
	st, err := r.e.Run(0x20000000, 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.Reason != StopFault || st.Fault.Addr != 0x40000010 || !st.Fault.Write {
		t.Fatalf("stop %v fault %+v, want a write fault at 0x40000010", st.Reason, st.Fault)
	}
	// A fetch from nothing.
	st, err = r.e.Run(0x30000000, 1000, 0)
	if st.Reason != StopFault || st.Fault == nil || !st.Fault.Fetch {
		t.Fatalf("stop %v fault %+v err %v, want a fetch fault", st.Reason, st.Fault, err)
	}
}

func TestStallCharged(t *testing.T) {
	r := newRig(t, CortexM3)
	r.e.Hz = 8_000_000
	r.mmio.stall = 10 * time.Microsecond // 80 cycles each at 8 MHz
	var seen []uint64
	r.e.BusTime = func(c uint64) { seen = append(seen, c) }
	st, _ := r.e.Run(0x20000000, 1000, 0)
	if st.Cycles != 13+160 {
		t.Errorf("cycles %d, want 173 (13 + two stalls of 80)", st.Cycles)
	}
	// Bus time at each access counts the accessing instruction: 2+2+1+1+1
	// at the MMIO store, + its stall and the load's 2, + that stall and
	// mov.w and strh at the flash store.
	if len(seen) != 3 || seen[0] != 7 || seen[1] != 89 || seen[2] != 171 {
		t.Errorf("bus times %v, want [7 89 171]", seen)
	}
}

func TestCodeCoherence(t *testing.T) {
	r := newRig(t, CortexM3)
	if _, err := r.e.Run(0x20000004, 1000, 1); err != nil { // translate movs r2,#0x5A
		t.Fatal(err)
	}
	r.ram[4] = 0x33 // movs r2, #0x33, written behind the core's back
	if err := r.e.FlushCode(0x20000000, 0x20001000); err != nil {
		t.Fatal(err)
	}
	if _, err := r.e.Run(0x20000004, 1000, 1); err != nil {
		t.Fatal(err)
	}
	if g := r.regs(t); g[2] != 0x33 {
		t.Fatalf("r2 = %#x after the code changed and was flushed, want 0x33", g[2])
	}
}

func TestMapErrors(t *testing.T) {
	e, err := New(CortexM0)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.MapMemory(0x100, make([]byte, 4096), nil); err == nil {
		t.Error("unaligned base accepted")
	}
	if err := e.MapMMIO(0x40000000, 100, &fakeBus{}); err == nil {
		t.Error("odd MMIO size accepted")
	}
	if _, err := New(Model(9)); err == nil {
		t.Error("unknown model accepted")
	}
}
