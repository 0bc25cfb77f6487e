package nrf52

import (
	"testing"
	"time"
)

func TestAPProtectLegacy(t *testing.T) {
	c, clk := newChip(t, Config{Approtect: true})
	ap := c.CtrlAP()
	if !c.Protected() || !c.DebugPorts()[0].APs[0].Mem.Blocked() {
		t.Fatal("approtect option should start with the AHB-AP blocked")
	}
	if v, _ := ap.ReadAP(capAPProtectStatus); v != 0 {
		t.Fatalf("APPROTECTSTATUS %d, want 0 (enabled)", v)
	}
	if v, _ := ap.ReadAP(capIDR); v != CtrlAPIDR {
		t.Fatalf("CTRL-AP IDR %#x", v)
	}
	c.Flash()[0] = 0x12
	// Recovery as the PS describes it: ERASEALL, wait, reset.
	_ = ap.WriteAP(capEraseAll, 1)
	if v, _ := ap.ReadAP(capEraseAllStatus); v != 1 {
		t.Fatal("ERASEALLSTATUS not busy right after ERASEALL")
	}
	t0 := clk.Now()
	for {
		v, _ := ap.ReadAP(capEraseAllStatus)
		if v == 0 {
			break
		}
		clk.Advance(10 * time.Millisecond)
	}
	if d := clk.Now() - t0; d < TimeEraseAll || d > TimeEraseAll+10*time.Millisecond {
		t.Fatalf("ERASEALL took %v", d)
	}
	if c.Flash()[0] != 0xFF || c.UICR()[UICRAPProtect] != 0xFF {
		t.Fatal("ERASEALL left flash or UICR")
	}
	if !c.Protected() {
		t.Fatal("legacy chip opened before the reset")
	}
	_ = ap.WriteAP(capReset, 1)
	_ = ap.WriteAP(capReset, 0)
	_ = ap.WriteAP(capEraseAll, 0)
	if c.Protected() {
		t.Fatal("still blocked after ERASEALL and reset")
	}
	if v, _ := ap.ReadAP(capAPProtectStatus); v != 1 {
		t.Fatal("APPROTECTSTATUS should say disabled")
	}

	// Locking: UICR.APPROTECT = 0 via the NVMC, effective after a reset.
	b := c.Bus()
	wr(t, b, config, 1)
	wr(t, b, UICRBase+UICRAPProtect, 0xFFFFFF00)
	waitReady(t, c, clk)
	wr(t, b, config, 0)
	if c.Protected() {
		t.Fatal("lock took effect before reset")
	}
	wr(t, b, 0xE000ED0C, 0x05FA0004) // AIRCR SYSRESETREQ
	if !c.Protected() {
		t.Fatal("lock not effective after a system reset")
	}
}

func TestAPProtectRevision3(t *testing.T) {
	cases := []struct {
		name    string
		uicr5A  bool
		disable bool
		want    bool // protected after the second reset
	}{
		{"erased UICR locks again", false, true, true},
		{"HwDisabled without DISABLE locks", true, false, true},
		{"HwDisabled and DISABLE stays open", true, true, false},
	}
	for _, tc := range cases {
		c, clk := newChip(t, Config{Variant: "AAF0"})
		if !c.Protected() {
			t.Fatalf("%s: revision 3 should start protected", tc.name)
		}
		_ = c.CtrlAP().WriteAP(capEraseAll, 1)
		if c.Protected() {
			t.Fatalf("%s: ERASEALL should open a revision 3 chip", tc.name)
		}
		clk.Advance(TimeEraseAll)
		b := c.Bus()
		if tc.uicr5A {
			wr(t, b, config, 1)
			wr(t, b, UICRBase+UICRAPProtect, 0xFFFFFF5A)
			waitReady(t, c, clk)
			wr(t, b, config, 0)
		}
		c.systemReset()
		if tc.disable {
			// What firmware does at boot; the model runs none, so the
			// test stands in for it through the core's bus.
			_, _ = c.bus.Write(approtectDisable, 4, approtectKey)
		}
		if c.Protected() != tc.want {
			t.Errorf("%s: protected=%v, want %v", tc.name, c.Protected(), tc.want)
		}
	}
}

func TestPinResetNeedsPSELRESET(t *testing.T) {
	c, clk := newChip(t, Config{})
	b := c.Bus()
	wr(t, b, 0xE000EDF0, 0xA05F0003) // halt
	c.SetReset(true)
	if !c.Core().Halted() {
		t.Fatal("nRESET acted with PSELRESET erased")
	}
	c.SetReset(false)
	wr(t, b, config, 1)
	for _, a := range []uint32{UICRBase + UICRPSELReset, UICRBase + UICRPSELReset + 4} {
		wr(t, b, a, 0x7FFFFF12)
		waitReady(t, c, clk)
	}
	c.SetReset(true)
	if c.Core().Halted() || c.Core().Running() {
		t.Fatal("core not held by nRESET with P0.18 connected")
	}
	c.SetReset(false)
	if !c.Core().Running() {
		t.Fatal("core not running after nRESET release")
	}
	if rd(t, b, config) != 0 {
		t.Fatal("reset kept NVMC CONFIG")
	}
}

// TestEraseAllRAM: CTRL-AP ERASEALL is "Erase all flash and RAM" (PS,
// CTRL-AP ERASEALL; sdk-nrf doc/nrf/security/ap_protect.rst), so a
// locked chip's secrets in RAM do not survive a recover; the NVMC's
// ERASEALL, run from the AHB-AP, erases flash and UICR only.
func TestEraseAllRAM(t *testing.T) {
	const addr = RAMBase + 0x1230
	cases := []struct {
		name     string
		erase    func(t *testing.T, c *Chip)
		wantWord uint32
	}{
		{"CTRL-AP ERASEALL clears RAM", func(t *testing.T, c *Chip) {
			_ = c.CtrlAP().WriteAP(capEraseAll, 1)
		}, 0},
		{"NVMC ERASEALL keeps RAM", func(t *testing.T, c *Chip) {
			wr(t, c.Bus(), config, configEEN)
			wr(t, c.Bus(), NVMCBase+nvmcEraseAll, 1)
		}, 0xC0FFEE42},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, clk := newChip(t, Config{})
			b := c.Bus()
			wr(t, b, addr, 0xC0FFEE42)
			c.Flash()[0] = 0x12
			tc.erase(t, c)
			clk.Advance(TimeEraseAll)
			if c.Flash()[0] != 0xFF {
				t.Fatal("flash not erased")
			}
			if got := rd(t, b, addr); got != tc.wantWord {
				t.Errorf("RAM %#x = %#08x, want %#08x", addr, got, tc.wantWord)
			}
		})
	}
}
