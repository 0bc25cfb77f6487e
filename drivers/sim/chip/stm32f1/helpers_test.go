package stm32f1

import (
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/stm32x/stm32xtest"
	"github.com/flashstation/flashstation/drivers/sim/clock"
)

// dbg drives a chip the way a debugger would, from the PM0075 sequences.
type dbg struct {
	stm32xtest.Debugger
	c *Chip
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
	return &dbg{Debugger: stm32xtest.Debugger{T: t, Bus: c.Bus(), Clk: cfg.Clock}, c: c}
}

func (d *dbg) unlock() {
	d.W32(FPECBase+regKEYR, Key1)
	d.W32(FPECBase+regKEYR, Key2)
	if d.R32(FPECBase+regCR)&crLOCK != 0 {
		d.T.Fatal("FPEC still locked after the key sequence")
	}
}

func (d *dbg) unlockOptions() {
	d.W32(FPECBase+regOPTKEYR, Key1)
	d.W32(FPECBase+regOPTKEYR, Key2)
}

// waitBSY polls SR every 10 µs of modeled time and returns how long BSY
// stayed set.
func (d *dbg) waitBSY() time.Duration {
	d.T.Helper()
	return d.WaitBSY(FPECBase+regSR, srBSY, 10*time.Microsecond, time.Second)
}

func (d *dbg) sr() uint32 { return d.R32(FPECBase + regSR) }

func (d *dbg) pageErase(addr uint32) {
	d.W32(FPECBase+regCR, crPER)
	d.W32(FPECBase+regAR, addr)
	d.W32(FPECBase+regCR, crPER|crSTRT)
	d.waitBSY()
	d.W32(FPECBase+regCR, 0)
}

func (d *dbg) program(addr uint32, hws ...uint16) {
	d.W32(FPECBase+regCR, crPG)
	for i, h := range hws {
		if err := d.Wr(addr+uint32(2*i), 2, uint32(h)); err != nil {
			d.T.Fatalf("program %#x: %v", addr+uint32(2*i), err)
		}
		d.waitBSY()
	}
	d.W32(FPECBase+regCR, 0)
}

func (d *dbg) pulseReset() {
	d.c.SetReset(true)
	d.c.SetReset(false)
}
