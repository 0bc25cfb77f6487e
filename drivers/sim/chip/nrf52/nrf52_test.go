package nrf52

import (
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/fault"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

const (
	ready  = NVMCBase + nvmcReady
	config = NVMCBase + nvmcConfig
)

func newChip(t *testing.T, cfg Config) (*Chip, *clock.Clock) {
	t.Helper()
	if cfg.Clock == nil {
		cfg.Clock = new(clock.Clock)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, cfg.Clock
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

// waitReady polls READY like a host, advancing time per poll; returns the
// modeled time it took.
func waitReady(t *testing.T, c *Chip, clk *clock.Clock) time.Duration {
	t.Helper()
	t0 := clk.Now()
	for rd(t, c.Bus(), ready) == 0 {
		clk.Advance(100 * time.Microsecond)
	}
	return clk.Now() - t0
}

func TestIdentity(t *testing.T) {
	c, _ := newChip(t, Config{Seed: 5})
	b := c.Bus()
	cases := []struct {
		addr, want uint32
	}{
		{0x10000010, 4096}, {0x10000014, 256}, {0x10000100, 0x52840},
		{0x10000104, 0x41414430}, {0x1000010C, 0x100}, {0x10000110, 0x400},
		{0x10000130, 8}, {0x10000134, 4}, {0xE000ED00, CPUID},
	}
	for _, tc := range cases {
		if got := rd(t, b, tc.addr); got != tc.want {
			t.Errorf("%#x = %#x, want %#x", tc.addr, got, tc.want)
		}
	}
	c2, _ := newChip(t, Config{Seed: 5})
	c3, _ := newChip(t, Config{Seed: 6})
	if c.DeviceID() != c2.DeviceID() || c.DeviceID() == c3.DeviceID() {
		t.Error("DEVICEID is not a stable function of the seed")
	}
	if uint64(rd(t, b, 0x10000064))<<32|uint64(rd(t, b, 0x10000060)) != c.DeviceID() {
		t.Error("DEVICEID registers disagree with DeviceID")
	}
	dp := c.DebugPorts()[0]
	if dp.DPIDR != DPIDR || dp.APs[0].Mem.IDR != AHBAPIDR || dp.APs[1].IDR != CtrlAPIDR {
		t.Error("debug port identity wrong")
	}
	if _, err := New(Config{Variant: "QIAA"}); err == nil {
		t.Error("unknown variant accepted")
	}
}

func TestWordWrites(t *testing.T) {
	cases := []struct {
		name    string
		config  uint32
		preload uint32
		write   uint32
		want    uint32
		busy    bool
	}{
		{"CONFIG=0 ignored", 0, 0xFFFFFFFF, 0x12345678, 0xFFFFFFFF, false},
		{"CONFIG=2 ignored", 2, 0xFFFFFFFF, 0x12345678, 0xFFFFFFFF, false},
		{"CONFIG=1 writes", 1, 0xFFFFFFFF, 0x12345678, 0x12345678, true},
		{"bits only 1 to 0", 1, 0xFF00FF00, 0x0F0F0F0F, 0x0F000F00, true},
	}
	for _, tc := range cases {
		c, clk := newChip(t, Config{})
		b := c.Bus()
		c.Flash()[0x2000], c.Flash()[0x2001], c.Flash()[0x2002], c.Flash()[0x2003] =
			byte(tc.preload), byte(tc.preload>>8), byte(tc.preload>>16), byte(tc.preload>>24)
		wr(t, b, config, tc.config)
		wr(t, b, 0x2000, tc.write)
		if busy := rd(t, b, ready) == 0; busy != tc.busy {
			t.Errorf("%s: busy %v", tc.name, busy)
		}
		if tc.busy {
			if _, stall, _ := b.Read(0x2000, 4); stall != TimeWrite {
				t.Errorf("%s: flash read while busy stalls %v, want %v", tc.name, stall, TimeWrite)
			}
			if d := waitReady(t, c, clk); d < TimeWrite-100*time.Microsecond || d > TimeWrite+100*time.Microsecond {
				t.Errorf("%s: READY after %v", tc.name, d)
			}
		}
		if got := rd(t, b, 0x2000); got != tc.want {
			t.Errorf("%s: word %#08x, want %#08x", tc.name, got, tc.want)
		}
	}
	c, _ := newChip(t, Config{})
	wr(t, c.Bus(), config, 1)
	if _, err := c.Bus().Write(0x100, 2, 0); err == nil {
		t.Error("halfword flash write accepted")
	}
}

func TestErase(t *testing.T) {
	cases := []struct {
		name      string
		reg, val  uint32
		took      time.Duration
		flashGone bool // page 3 and page 4 erased
		page3Only bool
		uicrGone  bool
	}{
		{"ERASEPAGE", nvmcErasePage, 0x3000, TimeErasePage, false, true, false},
		{"ERASEALL", nvmcEraseAll, 1, TimeEraseAll, true, false, true},
		{"ERASEUICR", nvmcEraseUICR, 1, TimeErasePage, false, false, true},
	}
	for _, tc := range cases {
		c, clk := newChip(t, Config{})
		b := c.Bus()
		wr(t, b, config, 1)
		for _, a := range []uint32{0x3000, 0x3FFC, 0x4000, UICRBase + UICRCustomer} {
			wr(t, b, a, 0)
			waitReady(t, c, clk)
		}
		wr(t, b, config, 2)
		wr(t, b, NVMCBase+tc.reg, tc.val)
		d := waitReady(t, c, clk)
		if d < tc.took || d > tc.took+time.Millisecond {
			t.Errorf("%s: took %v, want %v", tc.name, d, tc.took)
		}
		wr(t, b, config, 0)
		erased := func(a uint32) bool { return rd(t, b, a) == 0xFFFFFFFF }
		if erased(0x3000) != (tc.flashGone || tc.page3Only) || erased(0x3FFC) != (tc.flashGone || tc.page3Only) {
			t.Errorf("%s: page 3 erased=%v", tc.name, erased(0x3000))
		}
		if erased(0x4000) != tc.flashGone {
			t.Errorf("%s: page 4 erased=%v", tc.name, erased(0x4000))
		}
		if erased(UICRBase+UICRCustomer) != tc.uicrGone {
			t.Errorf("%s: UICR erased=%v", tc.name, erased(UICRBase+UICRCustomer))
		}
	}
}

func TestFaults(t *testing.T) {
	clk := new(clock.Clock)
	inj := fault.New(1)
	inj.AddBadCell(0x1004)
	c, _ := newChip(t, Config{Clock: clk, Faults: inj})
	b := c.Bus()
	wr(t, b, config, 1)
	wr(t, b, 0x1000, 0)
	wr(t, b, 0x1004, 0)
	waitReady(t, c, clk)
	if rd(t, b, 0x1000) != 0 || rd(t, b, 0x1004) != 0xFFFFFFFF {
		t.Fatal("bad cell should read back erased")
	}
	inj.SetRate(fault.ProgramFail, 1)
	wr(t, b, 0x1008, 0)
	waitReady(t, c, clk)
	if rd(t, b, 0x1008) != 0xFFFFFFFF {
		t.Fatal("a failed write must keep the old word")
	}
}
