package stm32h7

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// ccr composes QUADSPI_CCR (RM0433 §23.5.6): instruction on imode lines,
// address admode (24-bit), alternate abmode (8-bit), dcyc dummy clocks,
// data dmode, functional mode fmode.
func ccr(instr byte, imode, admode, abmode, dcyc, dmode, fmode uint32) uint32 {
	return uint32(instr) | imode<<8 | admode<<10 | 2<<12 | abmode<<14 | dcyc<<18 | dmode<<24 | fmode<<26
}

// board sets up clocks, the WeAct pins and QUADSPI (prescaler 1: 32 MHz,
// FSIZE 22: 8 MiB) as a bootloader would.
func (d *dbg) board(pins bool) {
	d.W32(RCCBase+rccAHB3ENR, ahb3QSPI)
	d.W32(RCCBase+rccAHB4ENR, 0x1F) // GPIOA..E
	if pins {
		af := func(port, n, fn int) {
			base := GPIOBase + uint32(port)*0x400
			d.W32(base, d.R32(base)&^(3<<(2*n))|2<<(2*n))
			reg := base + 0x20 + uint32(n/8)*4
			d.W32(reg, d.R32(reg)&^(0xF<<(4*(n%8)))|uint32(fn)<<(4*(n%8)))
		}
		for _, p := range append([]pin{pinCLK, pinNCS}, pinIO[:]...) {
			af(p.port, p.n, p.af)
		}
	}
	d.W32(QSPIRegs+qDCR, 22<<16|1<<8)
	d.W32(QSPIRegs+qCR, 1<<24|qcrEN)
}

// readCmd runs an indirect read of n bytes and returns them.
func (d *dbg) readCmd(c uint32, addr uint32, n int) []byte {
	d.W32(QSPIRegs+qDLR, uint32(n-1))
	d.W32(QSPIRegs+qCCR, c)
	if c>>10&3 != 0 {
		d.W32(QSPIRegs+qAR, addr)
	}
	out := make([]byte, 0, n)
	for len(out) < n {
		if d.R32(QSPIRegs+qSR)>>8&0x3F == 0 {
			d.T.Fatalf("FIFO empty after %d of %d bytes", len(out), n)
		}
		v, _ := d.Rd(QSPIRegs+qDR, 1)
		out = append(out, byte(v))
	}
	if d.R32(QSPIRegs+qSR)&qsrTCF == 0 {
		d.T.Error("TCF not set after the read")
	}
	d.W32(QSPIRegs+qFCR, qsrTCF)
	return out
}

func (d *dbg) simple(instr byte) {
	d.W32(QSPIRegs+qCCR, ccr(instr, 1, 0, 0, 0, 0, fmodeWrite))
}

// pollReady polls status register 1 until BUSY clears, in automatic
// polling mode, and returns how long that took.
func (d *dbg) pollReady() time.Duration {
	d.W32(QSPIRegs+qPSMKR, 1)
	d.W32(QSPIRegs+qPSMAR, 0)
	d.W32(QSPIRegs+qPIR, 16)
	d.W32(QSPIRegs+qDLR, 0)
	d.W32(QSPIRegs+qCR, d.R32(QSPIRegs+qCR)|qcrAPMS)
	start := d.Clk.Now()
	d.W32(QSPIRegs+qCCR, ccr(0x05, 1, 0, 0, 0, 1, fmodePoll))
	for d.R32(QSPIRegs+qSR)&qsrSMF == 0 {
		d.Clk.Advance(100 * time.Microsecond)
		if d.Clk.Now()-start > time.Minute {
			d.T.Fatal("status match never came")
		}
	}
	d.W32(QSPIRegs+qFCR, qsrSMF)
	return d.Clk.Now() - start
}

func TestQSPIIdentityAndPins(t *testing.T) {
	d := newDbg(t, false)
	d.board(false)
	if got := d.readCmd(ccr(0x9F, 1, 0, 0, 0, 1, fmodeRead), 0, 3); !bytes.Equal(got, []byte{0, 0, 0}) {
		t.Errorf("JEDEC ID without the QUADSPI pins: % X", got)
	}
	d = newDbg(t, false)
	d.board(true)
	if got := d.readCmd(ccr(0x9F, 1, 0, 0, 0, 1, fmodeRead), 0, 3); !bytes.Equal(got, []byte{0xEF, 0x40, 0x17}) {
		t.Errorf("JEDEC ID % X, want EF 40 17 (W25Q64JV)", got)
	}
	if got := d.readCmd(ccr(0x5A, 1, 1, 0, 8, 1, fmodeRead), 0, 8); string(got[:4]) != "SFDP" {
		t.Errorf("SFDP header % X", got)
	}
	// No clock to QUADSPI: its registers read 0 and ignore writes.
	d.W32(RCCBase+rccAHB3ENR, 0)
	if d.R32(QSPIRegs+qCR) != 0 {
		t.Error("QUADSPI answers without its clock")
	}
}

func TestQSPIProgramAndMemoryMapped(t *testing.T) {
	d := newDbg(t, false)
	d.board(true)
	// QE: write enable, write status 2, poll until done.
	d.simple(0x06)
	d.W32(QSPIRegs+qDLR, 0)
	d.W32(QSPIRegs+qCCR, ccr(0x31, 1, 0, 0, 0, 1, fmodeWrite))
	d.Wr(QSPIRegs+qDR, 1, 0x02)
	if took := d.pollReady(); took < 10*time.Millisecond {
		t.Errorf("status write done after %v, want tW 10 ms", took)
	}
	if !d.c.NOR().QuadEnabled() {
		t.Fatal("QE not set")
	}
	// Sector erase at 0x10000, then a quad page program of 256 bytes.
	d.simple(0x06)
	d.W32(QSPIRegs+qCCR, ccr(0x20, 1, 1, 0, 0, 0, fmodeWrite))
	d.W32(QSPIRegs+qAR, 0x10000)
	if took := d.pollReady(); took < 45*time.Millisecond || took > 50*time.Millisecond {
		t.Errorf("sector erase took %v, want about tSE 45 ms", took)
	}
	page := make([]byte, 256)
	for i := range page {
		page[i] = byte(i*7 + 1)
	}
	d.simple(0x06)
	d.W32(QSPIRegs+qDLR, 255)
	d.W32(QSPIRegs+qCCR, ccr(0x32, 1, 1, 0, 0, 3, fmodeWrite))
	d.W32(QSPIRegs+qAR, 0x10000)
	for i := 0; i < len(page); i += 4 {
		d.W32(QSPIRegs+qDR, uint32(page[i])|uint32(page[i+1])<<8|uint32(page[i+2])<<16|uint32(page[i+3])<<24)
	}
	if d.R32(QSPIRegs+qSR)&qsrTCF == 0 {
		t.Error("TCF not set after the page")
	}
	d.W32(QSPIRegs+qFCR, qsrTCF)
	d.pollReady()
	if got := d.readCmd(ccr(0xEB, 1, 3, 3, 4, 3, fmodeRead), 0x10000, 16); !bytes.Equal(got, page[:16]) {
		t.Errorf("EBh read back % X", got)
	}
	// Memory-mapped: EBh with mode bits, 4 dummy clocks.
	if _, err := d.Rd(QSPIMapped, 4); !errors.Is(err, hw.ErrBusFault) {
		t.Errorf("0x90000000 outside memory-mapped mode: %v", err)
	}
	d.W32(QSPIRegs+qABR, 0xFF)
	d.W32(QSPIRegs+qCCR, ccr(0xEB, 1, 3, 3, 4, 3, fmodeMapped))
	for i := 0; i < 256; i += 4 {
		want := uint32(page[i]) | uint32(page[i+1])<<8 | uint32(page[i+2])<<16 | uint32(page[i+3])<<24
		if got := d.R32(QSPIMapped + 0x10000 + uint32(i)); got != want {
			t.Fatalf("mapped read at +%#x: %#x want %#x", i, got, want)
		}
	}
	if _, err := d.Rd(QSPIMapped+8<<20, 4); !errors.Is(err, hw.ErrBusFault) {
		t.Errorf("read past FSIZE: %v", err)
	}
	if err := d.Wr(QSPIMapped, 4, 0); !errors.Is(err, hw.ErrBusFault) {
		t.Errorf("write in memory-mapped mode: %v", err)
	}
	// CCR is not writable while busy (memory-mapped keeps BUSY): abort first.
	d.W32(QSPIRegs+qCCR, ccr(0x9F, 1, 0, 0, 0, 1, fmodeRead))
	if d.R32(QSPIRegs+qCCR)>>26&3 != fmodeMapped {
		t.Error("CCR changed while busy")
	}
	d.W32(QSPIRegs+qCR, d.R32(QSPIRegs+qCR)|qcrABORT)
	if got := d.readCmd(ccr(0x9F, 1, 0, 0, 0, 1, fmodeRead), 0, 3); got[2] != 0x17 {
		t.Errorf("after abort, JEDEC % X", got)
	}
}
