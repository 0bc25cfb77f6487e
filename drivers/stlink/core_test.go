package stlink

import (
	"strings"
	"testing"
	"time"
)

func TestHaltResumeRegisters(t *testing.T) {
	p, pb, _ := connected(t, openV2J37+connectV2J37+`
> f2 35 f0 ed 00 e0 03 00 5f a0 ..16   # DHCSR = A05F0003
< 80 00
> f2 36 f0 ed 00 e0 ..16               # read DHCSR
< 80 00 00 00 03 00 03 00              # S_HALT | S_REGRDY
> f2 33 0f ..16                        # READREG PC
< 80 00 00 00 78 56 34 12
> f2 34 0d 00 50 00 20 ..16            # WRITEREG SP = 0x20005000
< 80 00
> f2 35 f0 ed 00 e0 01 00 5f a0 ..16   # DHCSR = A05F0001
< 80 00
`)
	ctx := t.Context()
	if err := p.Halt(ctx); err != nil {
		t.Fatal(err)
	}
	if h, err := p.IsHalted(ctx); err != nil || !h {
		t.Fatalf("IsHalted = %v, %v", h, err)
	}
	if pc, err := p.ReadCoreReg(ctx, 15); err != nil || pc != 0x12345678 {
		t.Fatalf("PC = %08x, %v", pc, err)
	}
	if err := p.WriteCoreReg(ctx, 13, 0x20005000); err != nil {
		t.Fatal(err)
	}
	if err := p.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := p.ReadCoreReg(ctx, 200); err == nil || !strings.Contains(err.Error(), "stlink: core register 200 is outside DCRSR.REGSEL") {
		t.Errorf("ReadCoreReg(200) = %v", err)
	}
	done(t, pb)
}

func TestResetAndHalt(t *testing.T) {
	p, pb, s := connected(t, openV2J37+connectV2J37+`
> f2 35 f0 ed 00 e0 03 00 5f a0 ..16   # halt
< 80 00
> f2 36 fc ed 00 e0 ..16               # DEMCR
< 80 00 00 00 00 00 00 01              # TRCENA set
> f2 35 fc ed 00 e0 01 00 00 01 ..16   # DEMCR |= VC_CORERESET
< 80 00
> f2 35 0c ed 00 e0 04 00 fa 05 ..16   # AIRCR = 05FA0004
< 12 00                                # cut short by the reset: tolerated
> f2 36 f0 ed 00 e0 ..16
< 80 00 00 00 01 00 00 02              # S_RESET_ST, not halted yet
> f2 36 f0 ed 00 e0 ..16
< 80 00 00 00 03 00 03 00              # halted
> f2 35 fc ed 00 e0 00 00 00 01 ..16   # restore DEMCR
< 80 00
`)
	if err := p.ResetAndHalt(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(*s) != 1 || (*s)[0] != time.Millisecond {
		t.Errorf("polls slept %v, want one 1ms", *s)
	}
	done(t, pb)
}

func TestResetRun(t *testing.T) {
	p, pb, _ := connected(t, openV2J37+connectV2J37+`
> f2 36 fc ed 00 e0 ..16
< 80 00 00 00 01 00 00 01              # vector catch left on
> f2 35 fc ed 00 e0 00 00 00 01 ..16
< 80 00
> f2 35 f0 ed 00 e0 01 00 5f a0 ..16   # clear C_HALT
< 80 00
> f2 35 0c ed 00 e0 04 00 fa 05 ..16
< 80 00
`)
	if err := p.Reset(t.Context()); err != nil {
		t.Fatal(err)
	}
	done(t, pb)
}

func TestResetLinkErrorNotHidden(t *testing.T) {
	p, pb, _ := connected(t, openV2J37+connectV2J37+`
> f2 36 fc ed 00 e0 ..16
< 80 00 00 00 00 00 00 00
> f2 35 f0 ed 00 e0 01 00 5f a0 ..16
< 80 00
> disconnected
`)
	if err := p.Reset(t.Context()); err == nil || !strings.Contains(err.Error(), "probe disconnected") {
		t.Errorf("Reset = %v, want the disconnect", err)
	}
	done(t, pb)
}

func TestWaitHalted(t *testing.T) {
	p, pb, _ := connected(t, openV2J37+connectV2J37+`
> f2 36 f0 ed 00 e0 ..16
< 80 00 00 00 01 00 00 00
> f2 36 f0 ed 00 e0 ..16
< 80 00 00 00 01 00 02 00
`)
	if err := p.WaitHalted(t.Context()); err != nil {
		t.Fatal(err)
	}
	done(t, pb)
}

func TestHardReset(t *testing.T) {
	p, pb, s := connected(t, openV2J37+connectV2J37+`
> f2 3c 00 ..16
< 80 00
> f2 3c 01 ..16
< 80 00
`)
	if err := p.HardReset(t.Context(), 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if len(*s) != 1 || (*s)[0] != 20*time.Millisecond {
		t.Errorf("held low for %v, want 20ms", *s)
	}
	done(t, pb)
}

func TestTargetVoltage(t *testing.T) {
	p, pb, _ := openScript(t, openV2J37+`
> f7 ..16
< 00 06 00 00 2a 05 00 00     # a0 1536, a1 1322: 2*1322*1.2/1536 = 2.066 V
`)
	v, err := p.TargetVoltage(t.Context())
	if err != nil || v < 2.065 || v > 2.067 {
		t.Errorf("TargetVoltage = %v, %v; want 2.066", v, err)
	}
	done(t, pb)

	old, pb2, _ := openScript(t, `
> f1 ..16
< 23 04 83 04 48 37        # V2 J12 S4
> f5 ..16
< 01 00
`)
	if _, err := old.TargetVoltage(t.Context()); err == nil || err.Error() != "stlink: target voltage measurement needs ST-Link firmware V2J13 or newer; this probe has V2J12" {
		t.Errorf("old TargetVoltage = %v", err)
	}
	done(t, pb2)
}
