package cortexm

import (
	"testing"

	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// newCore is a Cortex-M3 whose vector table holds SP 0x20005000 and a
// Thumb reset handler at 0x08000145.
func newCore(t *testing.T) (*Core, hw.Bus) {
	t.Helper()
	vec := map[uint32]uint32{0: 0x20005000, 4: 0x08000145}
	c := New(Config{CPUID: 0x411FC231, Clock: &clock.Clock{}, Fetch: func(a uint32) (uint32, error) {
		return vec[a], nil
	}})
	c.PowerOn()
	return c, c.Bus()
}

func rd(t *testing.T, b hw.Bus, a uint32) uint32 {
	t.Helper()
	v, _, err := b.Read(a, 4)
	if err != nil {
		t.Fatalf("read %#x: %v", a, err)
	}
	return v
}

func wr(t *testing.T, b hw.Bus, a, v uint32) {
	t.Helper()
	if _, err := b.Write(a, 4, v); err != nil {
		t.Fatalf("write %#x: %v", a, err)
	}
}

func TestHaltResume(t *testing.T) {
	c, b := newCore(t)
	resumed := 0
	c.SetOnResume(func(*Core) { resumed++ })
	steps := []struct {
		name       string
		write      uint32
		wantHalted bool
	}{
		{"no key ignored", 0x00000003, false},
		{"halt", 0xA05F0003, true},
		{"resume", 0xA05F0001, false},
		{"halt again", 0xA05F0003, true},
		{"debug off runs", 0xA05F0000, false},
	}
	for _, s := range steps {
		wr(t, b, regDHCSR, s.write)
		if c.Halted() != s.wantHalted {
			t.Fatalf("%s: halted=%v want %v", s.name, c.Halted(), s.wantHalted)
		}
		sHalt := rd(t, b, regDHCSR)&dhcsrSHalt != 0
		if sHalt != s.wantHalted {
			t.Fatalf("%s: S_HALT=%v", s.name, sHalt)
		}
	}
	if resumed != 2 {
		t.Fatalf("OnResume called %d times, want 2", resumed)
	}
	if got := rd(t, b, regDFSR); got&uint32(HaltRequest) == 0 {
		t.Fatalf("DFSR=%#x, want HALTED", got)
	}
	wr(t, b, regDFSR, uint32(HaltRequest))
	if got := rd(t, b, regDFSR); got != 0 {
		t.Fatalf("DFSR after W1C = %#x", got)
	}
}

func TestRegisterTransfer(t *testing.T) {
	c, b := newCore(t)
	// While running the transfer never completes (UNPREDICTABLE in C1.6.3).
	wr(t, b, regDCRSR, 0)
	if rd(t, b, regDHCSR)&dhcsrSRegRdy != 0 {
		t.Fatal("S_REGRDY set for a transfer while running")
	}
	wr(t, b, regDHCSR, 0xA05F0003)
	cases := []struct {
		sel       uint32
		val, want uint32
	}{
		{0, 0x12345678, 0x12345678},
		{12, 0xCAFEF00D, 0xCAFEF00D},
		{RegPC, 0x08000201, 0x08000200},
		{RegMSP, 0x20001003, 0x20001000},
		{RegXPSR, 0x01000000, 0x01000000},
	}
	for _, tc := range cases {
		wr(t, b, regDCRDR, tc.val)
		wr(t, b, regDCRSR, 1<<16|tc.sel)
		if rd(t, b, regDHCSR)&dhcsrSRegRdy == 0 {
			t.Fatalf("reg %d: S_REGRDY clear after write", tc.sel)
		}
		wr(t, b, regDCRDR, 0)
		wr(t, b, regDCRSR, tc.sel)
		if got := rd(t, b, regDCRDR); got != tc.want {
			t.Fatalf("reg %d: read %#x want %#x", tc.sel, got, tc.want)
		}
	}
	if c.Reg(RegSP) != 0x20001000 {
		t.Fatalf("SP=%#x, want MSP", c.Reg(RegSP))
	}
}

func TestResetVectorCatch(t *testing.T) {
	cases := []struct {
		name       string
		dhcsr      uint32
		demcr      uint32
		wantHalted bool
	}{
		{"catch", 0xA05F0001, 1, true},
		{"no catch bit", 0xA05F0001, 0x01000000, false},
		{"debug disabled", 0xA05F0000, 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, b := newCore(t)
			wr(t, b, regDHCSR, tc.dhcsr)
			wr(t, b, regDEMCR, tc.demcr)
			var sysreq bool
			c.cfg.OnSysResetReq = func() { sysreq = true; c.Reset() }
			wr(t, b, regAIRCR, 0x0004) // without VECTKEY: ignored
			if sysreq {
				t.Fatal("AIRCR write without VECTKEY reset the chip")
			}
			wr(t, b, regAIRCR, 0x05FA0004)
			if !sysreq {
				t.Fatal("SYSRESETREQ did not reach the chip")
			}
			if c.Halted() != tc.wantHalted {
				t.Fatalf("halted=%v want %v", c.Halted(), tc.wantHalted)
			}
			if tc.wantHalted {
				if pc := c.Reg(RegPC); pc != 0x08000144 {
					t.Fatalf("PC=%#x want reset vector 0x08000144", pc)
				}
				if sp := c.Reg(RegSP); sp != 0x20005000 {
					t.Fatalf("SP=%#x", sp)
				}
				if rd(t, b, regDFSR)&uint32(HaltVCatch) == 0 {
					t.Fatal("DFSR.VCATCH not set")
				}
			}
			if got := rd(t, b, regAIRCR) >> 16; got != 0xFA05 {
				t.Fatalf("VECTKEYSTAT=%#x", got)
			}
		})
	}
}

func TestResetStatusClearsOnRead(t *testing.T) {
	c, b := newCore(t)
	wr(t, b, regDHCSR, 0xA05F0003)
	if rd(t, b, regDHCSR)&dhcsrSReset == 0 {
		t.Fatal("S_RESET_ST not set after power-on")
	}
	if rd(t, b, regDHCSR)&dhcsrSReset != 0 {
		t.Fatal("S_RESET_ST did not clear on read")
	}
	c.Reset()
	if v, _, _ := b.Read(regDHCSR+2, 2); v&(dhcsrSReset>>16) == 0 {
		t.Fatal("S_RESET_ST not set after reset (halfword read)")
	}
	if rd(t, b, regDHCSR)&dhcsrSReset != 0 {
		t.Fatal("S_RESET_ST did not clear on halfword read")
	}
	// DHCSR control and DEMCR survive a system reset but not power-on.
	wr(t, b, regDEMCR, 1)
	c.Reset()
	if !c.Halted() {
		t.Fatal("vector catch lost across system reset")
	}
	c.PowerOff()
	if _, _, err := b.Read(regDHCSR, 4); err == nil {
		t.Fatal("read of a powered-off core succeeded")
	}
	c.PowerOn()
	if c.Halted() || rd(t, b, regDEMCR) != 0 {
		t.Fatal("debug state survived power-on reset")
	}
}

func TestHaltAtAndIDs(t *testing.T) {
	c, b := newCore(t)
	wr(t, b, regDHCSR, 0xA05F0001)
	c.SetOnResume(func(c *Core) { c.HaltAt(0x20000101, HaltBkpt) })
	wr(t, b, regDHCSR, 0xA05F0003)
	wr(t, b, regDHCSR, 0xA05F0001) // resume: the callback breaks at once
	if !c.Halted() || c.Reg(RegPC) != 0x20000100 {
		t.Fatalf("halted=%v PC=%#x", c.Halted(), c.Reg(RegPC))
	}
	if rd(t, b, regDHCSR)&dhcsrHalt == 0 || rd(t, b, regDFSR)&uint32(HaltBkpt) == 0 {
		t.Fatal("BKPT halt did not set C_HALT and DFSR.BKPT")
	}
	ids := []struct {
		addr, want uint32
	}{
		{regCPUID, 0x411FC231},
		{0xE0001000, 4 << 28},     // DWT_CTRL.NUMCOMP
		{0xE0002000, 2<<8 | 6<<4}, // FP_CTRL NUM_LIT, NUM_CODE
		{0xE00FF000, 0xFFF0F003},  // ROM table → SCS
		{0xE00FFFE0, 0xC3},        // ROM PIDR0: Cortex-M3 ROM 0x4C3
		{0xE00FFFF4, 0x10},        // CIDR1 class 1: ROM table
		{0xE000EFE8, 0x1B},        // SCS PIDR2: ARM JEP106, revision 1 (J-Link "001BB000 SCS")
		{0xE0000FE8, 0x1B},        // ITM PIDR2 ("001BB001 ITM")
		{0xE0002FE8, 0x0B},        // FPB PIDR2 ("000BB003 FPB")
		{0xE0040FE0, 0x23},        // TPIU PIDR0 ("001BB923 TPIU-Lite")
		{0xE0040FF4, 0x90},        // TPIU CIDR1: CoreSight class ("CID: B105900D")
		{0xE00FF014, 0xFFF42002},  // ROM table: no ETM on the F103
	}
	for _, id := range ids {
		if got := rd(t, b, id.addr); got != id.want {
			t.Errorf("%#x = %#x want %#x", id.addr, got, id.want)
		}
	}
}

// TestRetireStatus: a running core reads S_RETIRE_ST; after a halt it reads
// 1 once (instructions retired since the last look), then 0 (C1.6.3).
func TestRetireStatus(t *testing.T) {
	c, b := newCore(t)
	wr(t, b, regDHCSR, 0xA05F0001)
	steps := []struct {
		name string
		act  func()
		want bool
	}{
		{"running", func() {}, true},
		{"running again", func() {}, true},
		{"first read after halt", func() { c.HaltAt(0x20000100, HaltBkpt) }, true},
		{"second read after halt", func() {}, false},
	}
	for _, s := range steps {
		s.act()
		if got := rd(t, b, regDHCSR)&dhcsrSRetire != 0; got != s.want {
			t.Fatalf("%s: S_RETIRE_ST=%v, want %v", s.name, got, s.want)
		}
	}
}

// TestLockUp: a running core the chip locks up stops with PC 0xFFFFFFFE
// and S_LOCKUP; the debugger can still halt it, and a reset clears it.
func TestLockUp(t *testing.T) {
	c, b := newCore(t)
	c.LockUp()
	if c.Running() || c.Reg(RegPC) != 0xFFFFFFFE {
		t.Fatalf("running=%v PC=%#x after LockUp", c.Running(), c.Reg(RegPC))
	}
	if v := rd(t, b, 0xE000EDF0); v&dhcsrSLockup == 0 {
		t.Fatalf("DHCSR %#x: S_LOCKUP clear", v)
	}
	wr(t, b, 0xE000EDF0, 0xA05F0003)
	if !c.Halted() {
		t.Fatal("locked-up core did not halt on C_HALT")
	}
	c.Reset()
	if c.Reg(RegPC) != 0x08000144 || rd(t, b, 0xE000EDF0)&dhcsrSLockup != 0 {
		t.Fatalf("reset did not clear lockup: PC=%#x", c.Reg(RegPC))
	}
}

// TestComponentIDsM4: a Cortex-M4 r0p1 lists an ETM and reports the
// component revisions J-Link prints for STM32F405 and nRF52 parts.
func TestComponentIDsM4(t *testing.T) {
	c := New(Config{CPUID: 0x410FC241, FPU: true})
	c.PowerOn()
	b := c.Bus()
	for _, id := range []struct{ addr, want uint32 }{
		{0xE00FF014, 0xFFF42003}, // ETM present
		{0xE000EFE0, 0x0C},       // "000BB00C SCS-M7"
		{0xE0001FE8, 0x3B},       // "003BB002 DWT"
		{0xE0002FE8, 0x2B},       // "002BB003 FPB"
		{0xE0040FE4, 0xB9},       // "000BB9A1 TPIU"
		{0xE0041FE0, 0x25},       // "000BB925 ETM"
		{0xE0041FF4, 0x90},       // "CID: B105900D"
		{0xE00FFFE0, 0xC4},       // ROM "000BB4C4"
	} {
		if got := rd(t, b, id.addr); got != id.want {
			t.Errorf("%#x = %#x want %#x", id.addr, got, id.want)
		}
	}
}
