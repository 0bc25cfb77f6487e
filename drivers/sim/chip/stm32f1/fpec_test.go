package stm32f1

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/fault"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

func TestIdentity(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		addr uint32
		want uint32
	}{
		{"idcode", Config{}, IDCODEAddr, 0x20036410},
		{"gd32 idcode", Config{Maker: MakerGD32}, IDCODEAddr, 0x13030410},
		{"cs32 idcode", Config{Maker: MakerCS32}, IDCODEAddr, 0x20036410},
		{"gd32 flash+sram size", Config{Maker: MakerGD32}, 0x1FFFF7E0, 0x00140040},
		{"flash size c8", Config{}, 0x1FFFF7E0, 0x40},
		{"flash size cb", Config{Variant: "stm32f103cb"}, 0x1FFFF7E0, 0x80},
		{"cpuid", Config{}, 0xE000ED00, CPUID},
		{"apm32 cpuid", Config{Maker: MakerAPM32}, 0xE000ED00, 0x412FC231},
		{"gd32 rom table designer GigaDevice", Config{Maker: MakerGD32}, 0xE00FFFD0, 7},
		{"apm32 rom table part ARM 0x4C3", Config{Maker: MakerAPM32}, 0xE00FFFE0, 0xC3},
		{"rdp + user", Config{}, OptionBase, 0x00FF5AA5},
		{"rdp locked", Config{Locked: true}, OptionBase, 0x00FFFF00},
		{"obr reset", Config{}, FPECBase + regOBR, 0x03FFFFFC},
		{"obr locked", Config{Locked: true}, FPECBase + regOBR, 0x03FFFFFE},
		{"wrpr", Config{}, FPECBase + regWRPR, 0xFFFFFFFF},
		{"cr reset", Config{}, FPECBase + regCR, 0x80},
		{"acr reset", Config{}, FPECBase + regACR, 0x30},
		{"rom table designer ST", Config{}, 0xE00FFFE8, 0x0A},
	}
	for _, tc := range cases {
		d := newDbg(t, tc.cfg)
		if got := d.R32(tc.addr); got != tc.want {
			t.Errorf("%s: %#x = %#x want %#x", tc.name, tc.addr, got, tc.want)
		}
	}
	a, b := newDbg(t, Config{Seed: 1}), newDbg(t, Config{Seed: 2})
	if a.R32(0x1FFFF7E8) == b.R32(0x1FFFF7E8) && a.R32(0x1FFFF7F0) == b.R32(0x1FFFF7F0) {
		t.Error("two seeds gave the same UID")
	}
	if newDbg(t, Config{Seed: 1}).c.UID() != a.c.UID() {
		t.Error("UID not stable for a seed")
	}
	if g := newDbg(t, Config{}).c.JTAGChain(); g[0].IDCODE != BSTAP || g[0].IRLen != 5 || g[1].DP != 0 {
		t.Errorf("JTAG chain %+v", g)
	}
}

func TestProgramWhileLocked(t *testing.T) {
	d := newDbg(t, Config{})
	d.W32(FPECBase+regCR, crPG) // ignored: CR is locked after reset
	if cr := d.R32(FPECBase + regCR); cr != crLOCK {
		t.Fatalf("CR=%#x after write while locked", cr)
	}
	err := d.Wr(FlashBase, 2, 0x1234)
	if !errors.Is(err, hw.ErrBusFault) {
		t.Fatalf("flash write while locked: err=%v, want bus fault", err)
	}
	if got := d.R32(FlashBase); got != 0xFFFFFFFF {
		t.Fatalf("flash changed to %#x", got)
	}
}

func TestProgramRules(t *testing.T) {
	d := newDbg(t, Config{})
	d.unlock()
	d.program(FlashBase+0x100, 0x1234, 0xABCD)
	if got := d.R32(FlashBase + 0x100); got != 0xABCD1234 {
		t.Fatalf("programmed word %#x", got)
	}
	if d.sr()&srEOP == 0 {
		t.Fatal("EOP not set after programming")
	}
	d.W32(FPECBase+regSR, srEOP)
	steps := []struct {
		name    string
		size    int
		addr    uint32
		val     uint32
		wantErr bool
		wantSR  uint32
		want    uint32 // word at 0x08000100 afterwards
	}{
		{"non-erased halfword", 2, FlashBase + 0x100, 0x0000_1111, false, srPGERR, 0xABCD1234},
		{"zero over programmed", 2, FlashBase + 0x102, 0, false, srEOP, 0x00001234},
		{"word write", 4, FlashBase + 0x104, 0x55667788, true, 0, 0x00001234},
		{"byte write", 1, FlashBase + 0x104, 0x55, true, 0, 0x00001234},
	}
	d.W32(FPECBase+regCR, crPG)
	for _, s := range steps {
		err := d.Wr(s.addr, s.size, s.val)
		if (err != nil) != s.wantErr {
			t.Fatalf("%s: err=%v", s.name, err)
		}
		d.waitBSY()
		if sr := d.sr(); sr != s.wantSR {
			t.Fatalf("%s: SR=%#x want %#x", s.name, sr, s.wantSR)
		}
		d.W32(FPECBase+regSR, srPGERR|srEOP|srWRPRTERR)
		d.W32(FPECBase+regCR, 0)
		if got := d.R32(FlashBase + 0x100); got != s.want {
			t.Fatalf("%s: word %#x want %#x", s.name, got, s.want)
		}
		d.W32(FPECBase+regCR, crPG)
	}
	if got := d.R32(FlashBase + 0x104); got != 0xFFFFFFFF {
		t.Fatalf("rejected widths wrote %#x", got)
	}
}

func TestPageEraseOnlyThatPage(t *testing.T) {
	d := newDbg(t, Config{})
	d.unlock()
	for p := uint32(0); p < 3; p++ {
		d.program(FlashBase+p*PageSize+0x10, 0x1111)
	}
	d.W32(FPECBase+regCR, crPER)
	d.W32(FPECBase+regAR, FlashBase+PageSize+0x123) // any address in page 1
	d.W32(FPECBase+regCR, crPER|crSTRT)
	if cr := d.R32(FPECBase + regCR); cr&crSTRT == 0 {
		t.Fatal("STRT not set while erasing")
	}
	if busy := d.waitBSY(); busy < EraseTime || busy > EraseTime+20*time.Microsecond {
		t.Fatalf("BSY lasted %v, want %v", busy, EraseTime)
	}
	for p, want := range []byte{0x11, 0xFF, 0x11} {
		if got := d.c.ReadFlash(p*PageSize+0x10, 1)[0]; got != want {
			t.Errorf("page %d: %#x want %#x", p, got, want)
		}
	}
}

func TestEraseBusyTiming(t *testing.T) {
	d := newDbg(t, Config{})
	d.unlock()
	d.W32(FPECBase+regCR, crMER)
	d.W32(FPECBase+regCR, crMER|crSTRT)
	start := d.Clk.Now()
	d.Clk.Advance(EraseTime - time.Microsecond)
	if d.sr()&srBSY == 0 {
		t.Fatal("BSY cleared before 20 ms")
	}
	// A flash read during the erase stalls until it ends.
	if _, stall, _ := d.Bus.Read(FlashBase, 4); stall != time.Microsecond {
		t.Fatalf("read stall %v, want 1µs", stall)
	}
	d.Clk.Advance(time.Microsecond)
	if sr := d.sr(); sr != srEOP || d.Clk.Now()-start != EraseTime {
		t.Fatalf("SR=%#x at %v", sr, d.Clk.Now()-start)
	}
}

func TestWriteWhileBusy(t *testing.T) {
	cases := []struct {
		maker     Maker
		wantStall bool
		want      []byte
	}{
		{MakerST, true, []byte{0x11, 0x11, 0x22, 0x22}},
		{MakerCS32, true, []byte{0x11, 0x11, 0x22, 0x22}},
		{MakerAPM32, false, []byte{0x11, 0x11, 0xFF, 0xFF}},
	}
	for _, tc := range cases {
		d := newDbg(t, Config{Maker: tc.maker})
		d.unlock()
		d.W32(FPECBase+regCR, crPG)
		// Two halfwords back to back, without waiting for BSY.
		if _, err := d.Bus.Write(FlashBase, 2, 0x1111); err != nil {
			t.Fatal(err)
		}
		stall, err := d.Bus.Write(FlashBase+2, 2, 0x2222)
		if err != nil || (stall > 0) != tc.wantStall {
			t.Fatalf("maker %q: stall=%v err=%v", tc.maker, stall, err)
		}
		d.Clk.Advance(stall)
		d.waitBSY()
		if got := d.c.ReadFlash(0, 4); !bytes.Equal(got, tc.want) {
			t.Errorf("maker %q: flash % x want % x", tc.maker, got, tc.want)
		}
	}
}

// PM0075 §2.3.2: a wrong key sequence locks the FPEC until the next reset
// and returns a bus error, on KEY1's write if KEY1 is wrong, else on the
// second write; keys written after that get a bus error too.
func TestWrongKeyLocksUntilReset(t *testing.T) {
	d := newDbg(t, Config{})
	if err := d.Wr(FPECBase+regKEYR, 4, 0xDEADBEEF); !errors.Is(err, hw.ErrBusFault) {
		t.Errorf("wrong KEY1: %v, want a bus error", err)
	}
	d.pulseReset()
	d.W32(FPECBase+regKEYR, Key1)
	if err := d.Wr(FPECBase+regKEYR, 4, 0xDEADBEEF); !errors.Is(err, hw.ErrBusFault) {
		t.Errorf("wrong KEY2: %v, want a bus error", err)
	}
	for _, k := range []uint32{Key1, Key2} {
		if err := d.Wr(FPECBase+regKEYR, 4, k); !errors.Is(err, hw.ErrBusFault) {
			t.Errorf("key %#x after the lockout: %v, want a bus error", k, err)
		}
	}
	if d.R32(FPECBase+regCR)&crLOCK == 0 {
		t.Fatal("right keys unlocked the FPEC after a wrong sequence")
	}
	d.pulseReset()
	d.unlock()
}

func TestFaults(t *testing.T) {
	f := fault.New(1)
	f.AddBadCell(FlashBase + 0x20)
	d := newDbg(t, Config{Faults: f})
	d.unlock()
	d.program(FlashBase+0x20, 0x1234)
	if got := d.R32(FlashBase + 0x20); got != 0xFFFFFFFF {
		t.Fatalf("bad cell kept %#x", got)
	}
	f.SetRate(fault.ProgramFail, 1)
	d.program(FlashBase+0x40, 0x1234)
	if d.sr()&srPGERR == 0 || d.R32(FlashBase+0x40) != 0xFFFFFFFF {
		t.Fatal("injected program failure not reported")
	}
}
