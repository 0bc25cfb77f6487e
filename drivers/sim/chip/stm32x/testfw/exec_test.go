package testfw_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/cortexm"
	"github.com/flashstation/flashstation/drivers/sim/chip/stm32f1"
	"github.com/flashstation/flashstation/drivers/sim/chip/stm32f4"
	"github.com/flashstation/flashstation/drivers/sim/chip/stm32x/stm32xtest"
	"github.com/flashstation/flashstation/drivers/sim/chip/stm32x/testfw"
	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// chip is what both STM32 models offer these tests.
type chip interface {
	hw.Chip
	Bus() hw.Bus
	Core() *cortexm.Core
	GPIOOut(port int) uint32
	Close()
}

// family is one STM32 model with its flash programming sequence as the
// reference manual gives it (RM0008 §3.3.3 / PM0075 §2.3.3: FPEC, 16-bit
// PG; RM0383 §3.5.4: PG with PSIZE x32).
type family struct {
	name string
	fw   []byte
	new  func(clk *clock.Clock) (chip, error)
	// flash interface: base, SR busy bit, CR value for programming and
	// the program unit in bytes
	fif, bsy, crPG uint32
	unit           int
}

var families = []family{
	{name: "stm32f103c8", fw: testfw.BootF1, fif: 0x40022000, bsy: 1 << 0, crPG: 1, unit: 2,
		new: func(clk *clock.Clock) (chip, error) {
			return stm32f1.New(stm32f1.Config{Variant: "stm32f103c8", Seed: 1, Clock: clk})
		}},
	{name: "stm32f411ce", fw: testfw.BootF4, fif: 0x40023C00, bsy: 1 << 16, crPG: 1 | 2<<8, unit: 4,
		new: func(clk *clock.Clock) (chip, error) {
			return stm32f4.New(stm32f4.Config{Variant: "stm32f411ce", Seed: 1, Clock: clk})
		}},
}

// SCS registers (ARMv7-M ARM C1.6, B3.2).
const (
	dhcsr    = 0xE000EDF0
	dcrsr    = 0xE000EDF4
	dcrdr    = 0xE000EDF8
	demcr    = 0xE000EDFC
	dfsr     = 0xE000ED30
	aircr    = 0xE000ED0C
	dbgKey   = 0xA05F << 16
	cDebugEn = 1 << 0
	cHalt    = 1 << 1
	cStep    = 1 << 2
	sRegRdy  = 1 << 16
	sHalt    = 1 << 17
	sSleep   = 1 << 18
	sLockup  = 1 << 19
)

type rig struct {
	stm32xtest.Debugger
	f family
	c chip
}

func newRig(t testing.TB, f family) *rig {
	t.Helper()
	clk := &clock.Clock{}
	c, err := f.new(clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	r := &rig{Debugger: stm32xtest.Debugger{T: t, Bus: c.Bus(), Clk: clk}, f: f, c: c}
	stm32xtest.Connect(c.DebugPorts()[0])
	return r
}

// program writes data to erased flash at addr through the flash
// interface, as a debugger does.
func (r *rig) program(addr uint32, data []byte) {
	r.T.Helper()
	r.W32(r.f.fif+0x04, 0x45670123) // KEYR: KEY1, KEY2
	r.W32(r.f.fif+0x04, 0xCDEF89AB)
	r.W32(r.f.fif+0x10, r.f.crPG)
	for i := 0; i < len(data); i += r.f.unit {
		var v uint32
		for k := 0; k < r.f.unit && i+k < len(data); k++ {
			v |= uint32(data[i+k]) << (8 * k)
		}
		if i+r.f.unit > len(data) {
			v |= ^uint32(0) << (8 * (len(data) - i))
		}
		if err := r.Wr(addr+uint32(i), r.f.unit, v); err != nil {
			r.T.Fatalf("program %#x: %v", addr+uint32(i), err)
		}
		r.WaitBSY(r.f.fif+0x0C, r.f.bsy, time.Microsecond, time.Second)
	}
	r.W32(r.f.fif+0x10, 0)
}

func (r *rig) sysReset() { r.W32(aircr, 0x05FA0004) }

// run lets d of modeled time pass (the core runs in it).
func (r *rig) run(d time.Duration) { r.Clk.Advance(d) }

// reg reads a core register through DCRSR/DCRDR (C1.6.3).
func (r *rig) reg(n int) uint32 {
	r.T.Helper()
	r.W32(dcrsr, uint32(n))
	if r.R32(dhcsr)&sRegRdy == 0 {
		r.T.Fatalf("S_REGRDY clear after reading register %d", n)
	}
	return r.R32(dcrdr)
}

func (r *rig) setReg(n int, v uint32) {
	r.T.Helper()
	r.W32(dcrdr, v)
	r.W32(dcrsr, uint32(n)|1<<16)
	if r.R32(dhcsr)&sRegRdy == 0 {
		r.T.Fatalf("S_REGRDY clear after writing register %d", n)
	}
}

func (r *rig) halted() bool { return r.R32(dhcsr)&sHalt != 0 }

// haltAtReset arms VC_CORERESET and resets: the core halts on the reset
// vector's first instruction (C1.6.5).
func (r *rig) haltAtReset() {
	r.T.Helper()
	r.W32(dhcsr, dbgKey|cDebugEn)
	r.W32(demcr, 1)
	r.sysReset()
	if !r.halted() || r.R32(dfsr)&(1<<3) == 0 {
		r.T.Fatalf("not halted by vector catch: DHCSR=%#x DFSR=%#x", r.R32(dhcsr), r.R32(dfsr))
	}
	r.W32(dfsr, 0x1F)
}

func (r *rig) step() {
	r.T.Helper()
	r.W32(dhcsr, dbgKey|cDebugEn|cStep)
	if !r.halted() {
		r.T.Fatal("core did not halt after a step")
	}
}

func (r *rig) resume() { r.W32(dhcsr, dbgKey|cDebugEn) }

func (r *rig) words(addr uint32, n int) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = r.R32(addr + uint32(4*i))
	}
	return out
}

// TestBoot: after a reset the core boots the firmware in flash from the
// vector table and runs it: the mailbox, the RAM pattern and GPIOC's ODR
// show it ran; it ends asleep in WFI (DHCSR.S_SLEEP). Without a debugger
// enabling halting debug, the firmware skips its semihosting BKPT.
func TestBoot(t *testing.T) {
	for _, f := range families {
		t.Run(f.name, func(t *testing.T) {
			r := newRig(t, f)
			r.program(0x08000000, f.fw)
			if r.R32(testfw.Mailbox) != 0 {
				t.Fatal("mailbox written before the firmware ran")
			}
			r.sysReset()
			r.run(time.Millisecond)
			if got := r.R32(testfw.Mailbox); got != testfw.MailDone {
				t.Fatalf("mailbox %#x want %#x (PC %#x)", got, testfw.MailDone, r.c.Core().Reg(cortexm.RegPC))
			}
			for i, w := range r.words(testfw.Pattern, testfw.PatternWords) {
				if w != testfw.PatternFirst+uint32(i) {
					t.Fatalf("pattern word %d = %#x", i, w)
				}
			}
			if odr := r.c.GPIOOut(testfw.LEDPort); odr&(1<<testfw.LEDBit) == 0 {
				t.Fatalf("GPIOC ODR %#x: PC13 not set", odr)
			}
			if s := r.R32(dhcsr); s&sSleep == 0 || s&sHalt != 0 {
				t.Fatalf("DHCSR %#x: want S_SLEEP, not halted", s)
			}
			if n := r.c.Core().Retired(); n < 64*4 || n > 2000 {
				t.Fatalf("%d instructions retired", n)
			}
		})
	}
}

// TestFaultLocksUp: a firmware that takes a fault with no HardFault
// handler (vector 0, so EPSR.T would be clear) locks the core up, as
// silicon does (ARMv7-M ARM B1.5.15): S_LOCKUP, PC 0xFFFFFFFE.
func TestFaultLocksUp(t *testing.T) {
	for _, f := range families {
		t.Run(f.name, func(t *testing.T) {
			r := newRig(t, f)
			r.program(0x08000000, testfw.Fault)
			r.sysReset()
			r.run(time.Millisecond)
			if got := r.R32(testfw.Mailbox); got != testfw.MailBooted {
				t.Fatalf("mailbox %#x: the firmware did not run", got)
			}
			if !r.LockedUp(r.c.Core()) {
				t.Fatalf("not locked up: DHCSR %#x PC %#x", r.R32(dhcsr), r.c.Core().Reg(cortexm.RegPC))
			}
			// The debugger can still halt a locked-up core, which leaves
			// Lockup (Cortex-M1 TRM §4.10), and run code on it: OpenOCD
			// runs its flash loaders on a blank or protected chip so.
			r.W32(dhcsr, dbgKey|cDebugEn|cHalt)
			if s := r.R32(dhcsr); s&sHalt == 0 || s&sLockup != 0 {
				t.Fatalf("DHCSR %#x after C_HALT on a locked-up core: want halted, out of Lockup", s)
			}
			r.load(0x20000200, progTwo)
			r.runAt(0x20000200, time.Millisecond)
			if got := r.reg(0); got != 2 {
				t.Fatalf("r0 = %d: code did not run on the core halted out of Lockup", got)
			}
			r.sysReset()
			if r.R32(dhcsr)&sLockup != 0 {
				t.Fatal("reset did not clear lockup")
			}
		})
	}
}

// TestStepBoot steps the boot firmware's first instructions from the
// reset vector, one instruction per C_STEP, checking PC and the registers
// each leaves (the listing is boot.S's; addresses from its disassembly).
func TestStepBoot(t *testing.T) {
	for _, f := range families {
		t.Run(f.name, func(t *testing.T) {
			r := newRig(t, f)
			r.program(0x08000000, f.fw)
			r.haltAtReset()
			steps := []struct {
				pc      uint32 // before the step
				reg     int
				want    uint32 // the register after it
				comment string
			}{
				{0x08000010, 0, 0x20000000, "mov.w r0, #MAILBOX"},
				{0x08000014, 1, 0xB007, "movw r1, #0xB007"},
				{0x08000018, 0, 0x20000000, "str r1, [r0]"},
				{0x0800001A, 0, testfw.Pattern, "ldr r0, =PATTERN"},
				{0x0800001C, 1, testfw.PatternFirst, "mov.w r1, #0xA5000000"},
				{0x08000020, 2, 64, "movs r2, #64"},
				{0x08000022, 0, testfw.Pattern + 4, "str.w r1, [r0], #4"},
			}
			if sp := r.reg(cortexm.RegMSP); sp != binaryWord(f.fw, 0) {
				t.Fatalf("MSP %#x after reset", sp)
			}
			for _, s := range steps {
				if pc := r.reg(cortexm.RegPC); pc != s.pc {
					t.Fatalf("before %s: PC %#x want %#x", s.comment, pc, s.pc)
				}
				r.step()
				if got := r.reg(s.reg); got != s.want {
					t.Fatalf("after %s: r%d = %#x want %#x", s.comment, s.reg, got, s.want)
				}
			}
			if got := r.R32(testfw.Mailbox); got != testfw.MailBooted {
				t.Fatalf("mailbox %#x after the stepped store", got)
			}
			if got := r.R32(testfw.Pattern); got != testfw.PatternFirst {
				t.Fatalf("pattern[0] %#x after the stepped store", got)
			}
			// Three more steps go round the loop once: adds, subs, bne
			// taken back to the store.
			for range 3 {
				r.step()
			}
			if pc := r.reg(cortexm.RegPC); pc != 0x08000022 {
				t.Fatalf("after the loop's bne: PC %#x", pc)
			}
			if r2 := r.reg(2); r2 != 63 {
				t.Fatalf("r2 %d after one round", r2)
			}
			// A register the debugger writes is what the core runs with:
			// r2 = 1 ends the loop after this round.
			r.setReg(2, 1)
			for range 4 {
				r.step()
			}
			if pc := r.reg(cortexm.RegPC); pc != 0x0800002C {
				t.Fatalf("loop not left with r2 = 1: PC %#x", pc)
			}
			if got := r.words(testfw.Pattern, 3); got[2] != 0 || got[1] != testfw.PatternFirst+1 {
				t.Fatalf("pattern %#x: want two words written", got)
			}
		})
	}
}

func binaryWord(b []byte, off int) uint32 {
	return uint32(b[off]) | uint32(b[off+1])<<8 | uint32(b[off+2])<<16 | uint32(b[off+3])<<24
}

// TestSemihostingBKPT: with halting debug on, the firmware's semihosting
// call halts the core at BKPT 0xAB with DFSR.BKPT, r0 = SYS_WRITE0 and r1
// at the line; a host that performs the call and steps PC past the BKPT
// lets the firmware finish (ARM semihosting spec §2.2, ARMv7-M ARM C1.5).
func TestSemihostingBKPT(t *testing.T) {
	for _, f := range families {
		t.Run(f.name, func(t *testing.T) {
			r := newRig(t, f)
			r.program(0x08000000, f.fw)
			r.W32(dhcsr, dbgKey|cDebugEn)
			r.sysReset()
			r.run(time.Millisecond)
			if !r.halted() || r.R32(dfsr)&(1<<1) == 0 {
				t.Fatalf("not halted at the BKPT: DHCSR %#x DFSR %#x", r.R32(dhcsr), r.R32(dfsr))
			}
			pc := r.reg(cortexm.RegPC)
			if op := r.R32(pc&^3) >> (8 * (pc & 2)) & 0xFFFF; op != 0xBEAB {
				t.Fatalf("halted at %#x on %#04x, not BKPT 0xAB", pc, op)
			}
			if r0 := r.reg(0); r0 != 4 {
				t.Fatalf("r0 = %d want SYS_WRITE0 (4)", r0)
			}
			if got := r.cString(r.reg(1)); got != testfw.SemiLine {
				t.Fatalf("semihosting line %q", got)
			}
			if got := r.R32(testfw.Mailbox); got != testfw.MailBooted {
				t.Fatalf("mailbox %#x before the call returned", got)
			}
			r.setReg(cortexm.RegPC, pc+2)
			r.W32(dfsr, 0x1F)
			r.resume()
			r.run(time.Millisecond)
			if got := r.R32(testfw.Mailbox); got != testfw.MailDone {
				t.Fatalf("mailbox %#x after resuming past the BKPT", got)
			}
		})
	}
}

func (r *rig) cString(a uint32) string {
	var b []byte
	for len(b) < 256 {
		v, err := r.Rd(a+uint32(len(b)), 1)
		if err != nil {
			r.T.Fatal(err)
		}
		if v == 0 {
			break
		}
		b = append(b, byte(v))
	}
	return string(b)
}

// TestHaltRequest: C_HALT stops a running core at an instruction boundary
// inside the code it runs (here the WFI loop, woken by the halt: PC is
// past the WFI), and a resumed core goes on from there.
func TestHaltRequest(t *testing.T) {
	for _, f := range families {
		t.Run(f.name, func(t *testing.T) {
			r := newRig(t, f)
			r.program(0x08000000, f.fw)
			r.sysReset()
			r.run(time.Millisecond)
			r.W32(dhcsr, dbgKey|cDebugEn|cHalt)
			if !r.halted() || r.R32(dfsr)&1 == 0 {
				t.Fatal("C_HALT did not halt with DFSR.HALTED")
			}
			wfi := 0x08000000 + uint32(bytes.Index(f.fw, []byte{0x30, 0xbf}))
			if pc := r.reg(cortexm.RegPC); pc != wfi+2 {
				t.Fatalf("halted at %#x, want %#x (after the WFI)", pc, wfi+2)
			}
			r.resume()
			r.run(time.Millisecond)
			if s := r.R32(dhcsr); s&sHalt != 0 || s&sSleep == 0 {
				t.Fatalf("DHCSR %#x after resuming: want asleep again", s)
			}
		})
	}
}

// Programs the coherence and MMIO tests load into SRAM (arm-none-eabi-as
// -mcpu=cortex-m3; listing beside each).
var (
	// movs r0, #1; bkpt #0
	progOne = []byte{0x01, 0x20, 0x00, 0xbe}
	// movs r0, #2; bkpt #0
	progTwo = []byte{0x02, 0x20, 0x00, 0xbe}
	// F1 FPEC from code (RM0008 §3.3.3 sequence): r0 = FPEC base, r1 =
	// flash address, r2 = halfword.
	//	ldr r3, =0x45670123; str r3, [r0, #4]
	//	ldr r3, =0xCDEF89AB; str r3, [r0, #4]
	//	movs r3, #1; str r3, [r0, #0x10]     @ CR = PG
	//	strh r2, [r1]
	// 1: ldr r3, [r0, #0x0C]; lsls r3, r3, #31; bne 1b  @ SR.BSY
	//	movs r3, #0; str r3, [r0, #0x10]
	//	ldr r3, [r0, #0x0C]; bkpt #1
	progFPEC = []byte{
		0x06, 0x4b, 0x43, 0x60, 0x06, 0x4b, 0x43, 0x60, 0x01, 0x23, 0x03, 0x61,
		0x0a, 0x80, 0xc3, 0x68, 0xdb, 0x07, 0xfc, 0xd1, 0x00, 0x23, 0x03, 0x61,
		0xc3, 0x68, 0x01, 0xbe, 0x23, 0x01, 0x67, 0x45, 0xab, 0x89, 0xef, 0xcd,
	}
)

func (r *rig) load(addr uint32, code []byte) {
	r.T.Helper()
	for i, b := range code {
		if err := r.Wr(addr+uint32(i), 1, uint32(b)); err != nil {
			r.T.Fatal(err)
		}
	}
}

// runAt sets PC (Thumb) and the stack and resumes until the core halts
// again, at most limit of modeled time.
func (r *rig) runAt(pc uint32, limit time.Duration) {
	r.T.Helper()
	r.setReg(cortexm.RegPC, pc)
	r.setReg(cortexm.RegXPSR, 1<<24)
	r.setReg(cortexm.RegMSP, 0x20004000)
	r.resume()
	start := r.Clk.Now()
	for !r.halted() {
		if r.Clk.Now()-start > limit {
			r.T.Fatalf("code at %#x still running after %v: PC %#x", pc, limit, r.c.Core().Reg(cortexm.RegPC))
		}
		r.run(10 * time.Microsecond)
	}
}

// TestCoherence: bytes the debugger writes are the bytes the core fetches,
// also where the core has run code before (translated code is dropped).
func TestCoherence(t *testing.T) {
	for _, f := range families {
		t.Run(f.name, func(t *testing.T) {
			r := newRig(t, f)
			r.haltAtReset()
			for i, prog := range [][]byte{progOne, progTwo, progOne} {
				r.load(0x20000200, prog)
				r.runAt(0x20000200, time.Millisecond)
				if got := r.reg(0); got != uint32(prog[0]) {
					t.Fatalf("run %d: r0 = %d want %d: stale code executed", i, got, prog[0])
				}
				if pc := r.reg(cortexm.RegPC); pc != 0x20000202 {
					t.Fatalf("run %d: halted at %#x, want the BKPT at 0x20000202", i, pc)
				}
			}
		})
	}
}

// TestMMIOFlashFromCode: code on the core programs flash through the F1's
// FPEC exactly as the debugger does: the store to flash reaches the
// controller, BSY stalls the poll loop for the datasheet's program time,
// and the array holds the halfword after.
func TestMMIOFlashFromCode(t *testing.T) {
	r := newRig(t, families[0])
	r.haltAtReset()
	r.load(0x20000200, progFPEC)
	r.setReg(0, 0x40022000)
	r.setReg(1, 0x08000400)
	r.setReg(2, 0x1234)
	start := r.Clk.Now()
	r.runAt(0x20000200, 10*time.Millisecond)
	if pc := r.reg(cortexm.RegPC); pc != 0x2000021A {
		t.Fatalf("halted at %#x, not the final BKPT", pc)
	}
	if sr := r.reg(3); sr != 0x20 {
		t.Fatalf("FLASH_SR %#x after the program: want EOP only", sr)
	}
	if got := r.R32(0x08000400); got != 0xFFFF1234 {
		t.Fatalf("flash %#x after programming from code", got)
	}
	if took := r.Clk.Now() - start; took < stm32f1.ProgramTime {
		t.Fatalf("programming from code took %v, less than tPROG %v", took, stm32f1.ProgramTime)
	}
}

// TestSpinCostsNoHostTime: a core spinning in B . (a fault handler's end)
// lets modeled seconds pass without executing them one instruction at a
// time, and a halt finds it at the loop.
func TestSpinCostsNoHostTime(t *testing.T) {
	for _, f := range families {
		t.Run(f.name, func(t *testing.T) {
			r := newRig(t, f)
			r.haltAtReset()
			r.load(0x20000200, []byte{0xfe, 0xe7}) // b .
			r.setReg(cortexm.RegPC, 0x20000200)
			before := r.c.Core().Retired()
			r.resume()
			r.run(10 * time.Second)
			if s := r.R32(dhcsr); s&(sHalt|sSleep|sLockup) != 0 {
				t.Fatalf("DHCSR %#x: want running", s)
			}
			if n := r.c.Core().Retired() - before; n > 10 {
				t.Fatalf("%d instructions executed for a B . loop", n)
			}
			r.W32(dhcsr, dbgKey|cDebugEn|cHalt)
			if pc := r.reg(cortexm.RegPC); pc != 0x20000200 {
				t.Fatalf("halted at %#x, want the loop at 0x20000200", pc)
			}
		})
	}
}

// TestExceptions: an undefined instruction escalates to HardFault (no
// UsageFault handler enabled, HFSR.FORCED, CFSR.UNDEFINSTR) and the
// firmware's handler runs with the faulting PC stacked; an SVC through a
// vector table in SRAM (VTOR) enters its handler and BX LR returns past
// the SVC with the stack as it was (ARMv7-M ARM B1.5.6-B1.5.8).
func TestExceptions(t *testing.T) {
	for _, f := range families {
		t.Run(f.name, func(t *testing.T) {
			r := newRig(t, f)
			r.program(0x08000000, f.fw)
			r.haltAtReset()
			r.load(0x20000200, []byte{0x00, 0xde}) // udf #0
			r.setReg(cortexm.RegPC, 0x20000200)
			r.resume()
			r.run(time.Millisecond)
			if got := r.R32(testfw.Mailbox); got != testfw.MailFault {
				t.Fatalf("mailbox %#x: the HardFault handler did not run", got)
			}
			r.W32(dhcsr, dbgKey|cDebugEn|cHalt)
			if ipsr := r.reg(cortexm.RegXPSR) & 0x1FF; ipsr != 3 {
				t.Fatalf("IPSR %d, want HardFault (3)", ipsr)
			}
			if hfsr, cfsr := r.R32(0xE000ED2C), r.R32(0xE000ED28); hfsr&(1<<30) == 0 || cfsr&(1<<16) == 0 {
				t.Fatalf("HFSR %#x CFSR %#x: want FORCED and UNDEFINSTR", hfsr, cfsr)
			}
			sp := r.reg(cortexm.RegMSP)
			if frame := r.words(sp, 8); frame[6] != 0x20000200 || frame[5] == 0 {
				t.Fatalf("stacked frame %#x: want the UDF's address as the return address", frame)
			}
			if lr := r.reg(cortexm.RegLR); lr != 0xFFFFFFF9 {
				t.Fatalf("LR %#x in the handler, want EXC_RETURN 0xFFFFFFF9", lr)
			}

			// SVC with a table in SRAM.
			r.sysReset()
			r.haltAtReset()
			r.W32(0x2000042C, 0x20000301)                                  // vector 11: SVCall
			r.load(0x20000300, []byte{0x70, 0x47})                         // bx lr
			r.load(0x20000200, []byte{0x00, 0xdf, 0x07, 0x20, 0x00, 0xbe}) // svc #0; movs r0, #7; bkpt
			r.W32(0xE000ED08, 0x20000400)                                  // VTOR
			r.setReg(0, 0)
			r.runAt(0x20000200, time.Millisecond)
			if pc, r0 := r.reg(cortexm.RegPC), r.reg(0); pc != 0x20000204 || r0 != 7 {
				t.Fatalf("PC %#x r0 %d: want the BKPT after the SVC returned", pc, r0)
			}
			if ipsr := r.reg(cortexm.RegXPSR) & 0x1FF; ipsr != 0 {
				t.Fatalf("IPSR %d after the return, want Thread mode", ipsr)
			}
			if sp := r.reg(cortexm.RegMSP); sp != 0x20004000 {
				t.Fatalf("MSP %#x after the return, want 0x20004000", sp)
			}
		})
	}
}
