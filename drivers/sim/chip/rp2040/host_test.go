package rp2040

import (
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// Debug registers as a host drives them (ARMv6-M ARM C1.6).
const (
	dhcsr = 0xE000EDF0
	dcrsr = 0xE000EDF4
	dcrdr = 0xE000EDF8
	bkptA = 0x20040000 // where the tests keep their BKPT
	stack = 0x20041000
)

func newChip(t *testing.T, variant string) *Chip {
	t.Helper()
	c, err := New(Config{Variant: variant, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	return c
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

// call runs a ROM function the way a host does: halt, BKPT in RAM, r0–r3,
// SP, LR = BKPT|1, xPSR.T, PC; resume; check it halted at the BKPT.
func call(t *testing.T, c *Chip, core int, pc uint32, args ...uint32) (r0 uint32, halted bool) {
	t.Helper()
	b := c.Bus(core)
	wr(t, b, dhcsr, 0xA05F0003)
	if _, err := b.Write(bkptA, 2, 0xBE00); err != nil {
		t.Fatal(err)
	}
	regs := map[int]uint32{13: stack, 14: bkptA | 1, 15: pc &^ 1, 16: 1 << 24}
	for i, a := range args {
		regs[i] = a
	}
	for n, v := range regs {
		wr(t, b, dcrdr, v)
		wr(t, b, dcrsr, uint32(n)|1<<16)
	}
	wr(t, b, dhcsr, 0xA05F0001)
	if !waitHalt(t, c, core) {
		return 0, false
	}
	wr(t, b, dcrsr, 15)
	if got := rd(t, b, dcrdr); got != bkptA {
		t.Fatalf("halted at %#x, want the BKPT at %#x", got, bkptA)
	}
	wr(t, b, dcrsr, 0)
	return rd(t, b, dcrdr), true
}

// waitHalt polls DHCSR as a host does, letting modeled time pass between
// polls, until S_HALT or 10 s of modeled time (longer than any erase here).
func waitHalt(t *testing.T, c *Chip, core int) bool {
	t.Helper()
	b := c.Bus(core)
	end := c.clk.Now() + 10*time.Second
	for c.clk.Now() < end {
		if rd(t, b, dhcsr)&(1<<17) != 0 {
			return true
		}
		c.clk.Advance(pollStep)
	}
	return false
}

// pollStep is the modeled time between the tests' DHCSR polls.
const pollStep = 50 * time.Microsecond

// lookup resolves a function code through table_lookup itself.
func lookup(t *testing.T, c *Chip, code string) uint32 {
	t.Helper()
	b := c.Bus(0)
	tl, _, _ := b.Read(0x18, 2)
	ft, _, _ := b.Read(0x14, 2)
	r0, ok := call(t, c, 0, tl, ft, uint32(code[0])|uint32(code[1])<<8)
	if !ok {
		t.Fatalf("table_lookup(%s) did not return", code)
	}
	return r0
}

func TestHeaderAndIdentity(t *testing.T) {
	cases := []struct {
		variant string
		romVer  uint32
		chipID  uint32
	}{{"B0", 1, 0x10002927}, {"B1", 2, 0x10002927}, {"", 3, 0x20002927}, {"B2", 3, 0x20002927}}
	for _, tc := range cases {
		c := newChip(t, tc.variant)
		b := c.Bus(0)
		if got := rd(t, b, 0x10); got != 'M'|'u'<<8|1<<16|tc.romVer<<24 {
			t.Errorf("%s: header %#08x", tc.variant, got)
		}
		if got := rd(t, b, 0x40000000); got != tc.chipID {
			t.Errorf("%s: CHIP_ID %#08x, want %#08x", tc.variant, got, tc.chipID)
		}
		if got := rd(t, b, 0xE000ED00); got != CPUID {
			t.Errorf("%s: CPUID %#08x", tc.variant, got)
		}
		if rd(t, c.Bus(1), 0xD0000000) != 1 || rd(t, b, 0xD0000000) != 0 {
			t.Errorf("%s: SIO CPUID does not tell the cores apart", tc.variant)
		}
	}
	if _, err := New(Config{Variant: "B3"}); err == nil {
		t.Error("unknown variant accepted")
	}
	dps := newChip(t, "").DebugPorts()
	want := []uint32{0x01002927, 0x11002927, 0xF1002927}
	for i, dp := range dps {
		if sel := uint32(dp.Instance)<<28 | dp.TargetID&0x0FFFFFFF; sel != want[i] || dp.DPIDR != DPIDR || dp.Version != 2 {
			t.Errorf("DP %d: TARGETSEL %#08x DPIDR %#08x v%d", i, sel, dp.DPIDR, dp.Version)
		}
	}
	if len(dps[2].APs) != 0 || dps[0].APs[0].Mem.IDR != AHBAPIDR || dps[0].APs[0].Mem.WrapBytes != 1024 {
		t.Error("AP layout wrong")
	}
}

func TestTableLookupResolvesEveryCode(t *testing.T) {
	c := newChip(t, "")
	seen := map[uint32]string{}
	for _, code := range []string{"IF", "EX", "RE", "RP", "FC", "CX", "DT", "DE", "MC", "P3"} {
		a := lookup(t, c, code)
		if a == 0 || a&1 == 0 || a >= ROMSize {
			t.Fatalf("%s -> %#x, want a Thumb ROM address", code, a)
		}
		if other, dup := seen[a]; dup {
			t.Fatalf("%s and %s share %#x", code, other, a)
		}
		seen[a] = code
	}
	if a := lookup(t, c, "ZZ"); a != 0 {
		t.Fatalf("unknown code gave %#x", a)
	}
	// The bit functions work through their looked-up address.
	if r0, _ := call(t, c, 0, lookup(t, c, "P3"), 0xF0F0_0001); r0 != 9 {
		t.Fatalf("popcount32 = %d", r0)
	}
	// DE holds a BKPT; the trampoline runs r7 and stops there.
	de := lookup(t, c, "DE") &^ 1
	if h, _, _ := c.Bus(0).Read(de, 2); h != 0xBE00 {
		t.Fatalf("DE holds %#04x", h)
	}
}

func TestCallWithoutBreakpointKeepsRunning(t *testing.T) {
	c := newChip(t, "")
	b := c.Bus(0)
	fc := lookup(t, c, "FC")
	wr(t, b, dhcsr, 0xA05F0003)
	wr(t, b, dcrdr, 0x20000101) // LR into RAM that holds no BKPT
	wr(t, b, dcrsr, 14|1<<16)
	wr(t, b, dcrdr, fc)
	wr(t, b, dcrsr, 15|1<<16)
	wr(t, b, dhcsr, 0xA05F0001)
	if !c.Core(0).Running() {
		t.Fatal("core halted without a BKPT to return to")
	}
}
