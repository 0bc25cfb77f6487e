package testfw_test

import (
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/cortexm"
)

// progCRC is a bitwise CRC-32 (poly 0x04C11DB7, MSB first, init all ones,
// no final xor: CRC-32/MPEG-2), r0 = address, r1 = length, result in r0,
// then BKPT (arm-none-eabi-as -mcpu=cortex-m3):
//
//	ldr r2, =0x04C11DB7; mvn r3, #0
//	1: ldrb r4, [r0], #1; eor r3, r3, r4, lsl #24; movs r5, #8
//	2: lsls r3, r3, #1; it cs; eorcs r3, r2; subs r5, #1; bne 2b
//	subs r1, #1; bne 1b; mov r0, r3; bkpt #0
var progCRC = []byte{
	0x08, 0x4a, 0x6f, 0xf0, 0x00, 0x03, 0x10, 0xf8, 0x01, 0x4b, 0x83, 0xea,
	0x04, 0x63, 0x08, 0x25, 0x5b, 0x00, 0x28, 0xbf, 0x53, 0x40, 0x01, 0x3d,
	0xfa, 0xd1, 0x01, 0x39, 0xf3, 0xd1, 0x18, 0x46, 0x00, 0xbe, 0x00, 0x00,
	0xb7, 0x1d, 0xc1, 0x04,
}

func crcMPEG2(b []byte) uint32 {
	c := ^uint32(0)
	for _, x := range b {
		c ^= uint32(x) << 24
		for range 8 {
			if c&(1<<31) != 0 {
				c = c<<1 ^ 0x04C11DB7
			} else {
				c <<= 1
			}
		}
	}
	return c
}

// crcOnTarget runs progCRC over n bytes of flash (holding the boot
// firmware, then erased) and returns the CRC and the modeled time.
func crcOnTarget(tb testing.TB, r *rig, n int) (uint32, time.Duration) {
	r.load(0x20000200, progCRC)
	r.setReg(0, 0x08000000)
	r.setReg(1, uint32(n))
	start := r.Clk.Now()
	r.runAt(0x20000200, 10*time.Second)
	if pc := r.reg(cortexm.RegPC); pc != 0x20000220 {
		tb.Fatalf("CRC stopped at %#x, not its BKPT", pc)
	}
	return r.reg(0), r.Clk.Now() - start
}

// TestCRCOnTarget: the core's CRC of the flash agrees with Go's over the
// same bytes (loads, shifts, conditional execution, loops, flags).
func TestCRCOnTarget(t *testing.T) {
	for _, f := range families {
		t.Run(f.name, func(t *testing.T) {
			r := newRig(t, f)
			r.program(0x08000000, f.fw)
			r.haltAtReset()
			want := crcMPEG2(r.c.(interface{ ReadFlash(off, n int) []byte }).ReadFlash(0, 4096))
			got, took := crcOnTarget(t, r, 4096)
			if got != want {
				t.Fatalf("CRC on the target %#08x, Go's %#08x", got, want)
			}
			t.Logf("4 KiB CRC: %v modeled", took)
		})
	}
}

// BenchmarkCRC512K: a 512 KiB CRC on the simulated STM32F411 at the
// reset clock (HSI 16 MHz). Reports modeled seconds per run; ns/op is
// the host's cost (goal: under 0.2 s of host CPU per run).
func BenchmarkCRC512K(b *testing.B) {
	r := newRig(b, families[1])
	r.haltAtReset()
	var modeled time.Duration
	for b.Loop() {
		r.W32(dhcsr, dbgKey|cDebugEn|cHalt)
		_, took := crcOnTarget(b, r, 512<<10)
		modeled += took
	}
	b.ReportMetric(modeled.Seconds()/float64(b.N), "modeled-s/op")
}
