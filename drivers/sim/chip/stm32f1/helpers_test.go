package stm32f1

import (
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// dbg drives a chip the way a debugger would, from the PM0075 sequences.
type dbg struct {
	t   *testing.T
	c   *Chip
	b   hw.Bus
	clk *clock.Clock
}

func newDbg(t *testing.T, cfg Config) *dbg {
	t.Helper()
	if cfg.Variant == "" {
		cfg.Variant = "stm32f103c8"
	}
	cfg.Clock = &clock.Clock{}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &dbg{t: t, c: c, b: c.Bus(), clk: cfg.Clock}
}

func (d *dbg) rd(a uint32, size int) (uint32, error) {
	v, stall, err := d.b.Read(a, size)
	d.clk.Advance(stall)
	return v, err
}

func (d *dbg) r32(a uint32) uint32 {
	d.t.Helper()
	v, err := d.rd(a, 4)
	if err != nil {
		d.t.Fatalf("read %#x: %v", a, err)
	}
	return v
}

func (d *dbg) wr(a uint32, size int, v uint32) error {
	stall, err := d.b.Write(a, size, v)
	d.clk.Advance(stall)
	return err
}

func (d *dbg) w32(a, v uint32) {
	d.t.Helper()
	if err := d.wr(a, 4, v); err != nil {
		d.t.Fatalf("write %#x: %v", a, err)
	}
}

func (d *dbg) unlock() {
	d.w32(FPECBase+regKEYR, Key1)
	d.w32(FPECBase+regKEYR, Key2)
	if d.r32(FPECBase+regCR)&crLOCK != 0 {
		d.t.Fatal("FPEC still locked after the key sequence")
	}
}

func (d *dbg) unlockOptions() {
	d.w32(FPECBase+regOPTKEYR, Key1)
	d.w32(FPECBase+regOPTKEYR, Key2)
}

// waitBSY polls SR every 10 µs of modeled time and returns how long BSY
// stayed set.
func (d *dbg) waitBSY() time.Duration {
	start := d.clk.Now()
	for d.r32(FPECBase+regSR)&srBSY != 0 {
		d.clk.Advance(10 * time.Microsecond)
		if d.clk.Now()-start > time.Second {
			d.t.Fatal("BSY stuck")
		}
	}
	return d.clk.Now() - start
}

func (d *dbg) sr() uint32 { return d.r32(FPECBase + regSR) }

func (d *dbg) pageErase(addr uint32) {
	d.w32(FPECBase+regCR, crPER)
	d.w32(FPECBase+regAR, addr)
	d.w32(FPECBase+regCR, crPER|crSTRT)
	d.waitBSY()
	d.w32(FPECBase+regCR, 0)
}

func (d *dbg) program(addr uint32, hws ...uint16) {
	d.w32(FPECBase+regCR, crPG)
	for i, h := range hws {
		if err := d.wr(addr+uint32(2*i), 2, uint32(h)); err != nil {
			d.t.Fatalf("program %#x: %v", addr+uint32(2*i), err)
		}
		d.waitBSY()
	}
	d.w32(FPECBase+regCR, 0)
}

func (d *dbg) pulseReset() {
	d.c.SetReset(true)
	d.c.SetReset(false)
}
