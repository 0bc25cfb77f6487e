package rp2040

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/access"
)

func TestSSIDivider(t *testing.T) {
	for _, tc := range []struct {
		clk, max, want uint32
	}{
		{125_000_000, 50_000_000, 4}, // 31.25 MHz: /2 would be 62.5 MHz
		{100_000_000, 50_000_000, 2}, // exactly 50 MHz
		{100_000_001, 50_000_000, 4},
		{12_000_000, 50_000_000, 2}, // ring oscillator at its fastest
		{133_000_000, 50_000_000, 4},
		{150_000_000, 50_000_000, 4}, // 3 is odd: the SSI holds even values only
		{151_000_000, 50_000_000, 4},
		{250_000_000, 50_000_000, 6},
		{125_000_000, 133_000_000, 2},
	} {
		d := ssiDivider(tc.clk, tc.max)
		if d != tc.want || d%2 != 0 || tc.clk/d > tc.max {
			t.Errorf("ssiDivider(%d, %d) = %d, want %d", tc.clk, tc.max, d, tc.want)
		}
	}
}

func TestPLLConfig(t *testing.T) {
	if !sysPLL.valid() || sysPLL.outHz() != 125_000_000 || sysPLL.prim() != 0x62000 {
		t.Errorf("sysPLL %+v: valid %v, %d Hz, PRIM 0x%X", sysPLL, sysPLL.valid(), sysPLL.outHz(), sysPLL.prim())
	}
	for _, p := range []pllConfig{
		{1, 50, 6, 2},  // VCO 600 MHz < 750
		{1, 140, 6, 2}, // VCO 1680 MHz > 1600
		{3, 125, 6, 2}, // reference 4 MHz < 5
		{1, 125, 8, 2}, // POSTDIV1 > 7
		{1, 125, 6, 0}, // POSTDIV2 0
		{0, 125, 6, 2}, // REFDIV 0
		{1, 400, 6, 2}, // FBDIV > 320
	} {
		if p.valid() {
			t.Errorf("%+v accepted", p)
		}
	}
}

// TestClockSetup runs the setup against the datasheet's rules on a fake:
// the order of every switch, the end state, the fallback, and the way
// back to the reset clocks.
func TestClockSetup(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fake    func() *fakeClocks
		want    clockSource
		log     string // in the one line logged
		writes0 bool   // nothing may be written
	}{
		{"crystal", newFakeClocks, clkPLL, "125 MHz from PLL_SYS", false},
		{"firmware left PLL running", runningPLL, clkPLL, "125 MHz from PLL_SYS", false},
		{"no crystal", func() *fakeClocks { f := newFakeClocks(); f.crystal = false; return f }, clkROSC, "STABLE (no crystal", false},
		{"PLL never locks", func() *fakeClocks { f := newFakeClocks(); f.lockable = false; return f }, clkROSC, "PLL_SYS never locked", false},
		{"no clock registers", func() *fakeClocks { f := newFakeClocks(); f.dead = true; return f }, clkROSC, "not one-hot", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.fake()
			s := &Session{t: &access.Target{Mem: f}}
			var logs []string
			ctx := targets.WithLog(context.Background(), func(_ slog.Level, msg string) { logs = append(logs, msg) })
			if err := s.setupClocks(ctx); err != nil {
				t.Fatal(err)
			}
			if s.clk != tc.want || len(logs) != 1 || !strings.Contains(logs[0], tc.log) {
				t.Fatalf("clock %v, logs %q; want %v and one line with %q", s.clk, logs, tc.want, tc.log)
			}
			if tc.writes0 && f.writes != 0 {
				t.Errorf("%d writes to clock registers that do not answer", f.writes)
			}
			wantDiv := map[clockSource]uint32{clkPLL: 4, clkROSC: 2}[tc.want]
			if s.divider() != wantDiv {
				t.Errorf("SSI divider %d, want %d", s.divider(), wantDiv)
			}
			if tc.want == clkPLL {
				if f.read(clkSysSelected) != 2 || f.reg[pllFBDiv] != 125 || f.reg[pllPrim] != 0x62000 ||
					f.reg[pllCS]&0x13F != 1 || f.reg[clkSysDiv] != clkDivOne || f.read(clkRefSelected) != 1<<clkRefSrcXOSC {
					t.Errorf("end state: %s", f.dump())
				}
				if err := s.leaveClocks(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			if tc.want == clkROSC && f.writes > 0 || tc.want == clkPLL {
				// Back to what a chip reset leaves.
				if f.read(clkSysSelected) != 1 || f.read(clkRefSelected) != 1 || f.reg[resetsReset]&resetPLLSys == 0 ||
					f.reg[xoscCtrl]&(0xFFF<<12) != xoscDisable {
					t.Errorf("not back to the reset clocks: %s", f.dump())
				}
			}
			if len(f.broken) > 0 {
				t.Errorf("rules broken: %q", f.broken)
			}
			if s.clk == clkPLL {
				t.Error("session still thinks clk_sys runs from the PLL")
			}
		})
	}
}

func (f *fakeClocks) dump() string {
	var b strings.Builder
	for _, r := range []struct {
		n string
		a uint32
	}{{"CLK_REF_CTRL", clkRefCtrl}, {"CLK_REF_SELECTED", clkRefSelected}, {"CLK_SYS_CTRL", clkSysCtrl},
		{"CLK_SYS_SELECTED", clkSysSelected}, {"XOSC_CTRL", xoscCtrl}, {"RESETS", resetsReset},
		{"PLL_CS", pllCS}, {"PLL_PWR", pllPwr}, {"PLL_FBDIV", pllFBDiv}, {"PLL_PRIM", pllPrim}} {
		fmt.Fprintf(&b, "%s=0x%X ", r.n, f.read(r.a))
	}
	return b.String()
}

// On the simulated chip: whichever clock the session got, it says so in
// one line, and the SSI divider and the registers agree with it. Both
// outcomes are right here; a chip model without clock generation takes
// the fallback.
func TestClockSetupOnSim(t *testing.T) {
	r := newRig(t, "cmsis-dap-v2:rp2040")
	var logs []string
	ctx := targets.WithLog(context.Background(), func(_ slog.Level, msg string) {
		if strings.Contains(msg, "clk_sys") || strings.Contains(msg, "ring oscillator") {
			logs = append(logs, msg)
		}
	})
	data := image(8, 4096)
	if err := r.s.Program(ctx, seg(0x10000000, data), targets.ProgramOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.s.Verify(ctx, seg(0x10000000, data), nil); err != nil {
		t.Fatal(err)
	}
	if len(logs) != 1 {
		t.Fatalf("clock log lines %q, want one", logs)
	}
	baudr, err := r.s.t.Read32(ctx, ssiBaudr)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s (BAUDR %d)", logs[0], baudr)
	switch r.s.clk {
	case clkPLL:
		sel, err := r.s.t.Read32(ctx, clkSysSelected)
		if err != nil || sel != 2 || baudr != 4 {
			t.Errorf("PLL reported, but CLK_SYS_SELECTED 0x%X (%v), BAUDR %d", sel, err, baudr)
		}
		if err := r.s.Reset(ctx, true); err != nil {
			t.Fatal(err)
		}
		if sel, err := r.s.t.Read32(ctx, clkSysSelected); err != nil || sel != 1 {
			t.Errorf("after reset: CLK_SYS_SELECTED 0x%X (%v), want clk_ref", sel, err)
		}
	case clkROSC:
		if baudr != 2 || !strings.Contains(logs[0], "ring oscillator") {
			t.Errorf("fallback reported as %q with BAUDR %d", logs[0], baudr)
		}
	default:
		t.Errorf("clock state %v after programming", r.s.clk)
	}
}
