package stm32f4_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/internal/simrig"
)

// base and unit: the start of flash and its first erase units' size.
const (
	base = 0x08000000
	unit = 16384
)

// erased is n bytes of erased flash.
func erased(n int) []byte { return bytes.Repeat([]byte{0xFF}, n) }

// TestEraseWriteResetMassErase covers the operations the program/verify
// tests do not: range erase (only the units asked for), per-unit writes,
// reset, and mass erase, on every probe kind that can drive the family.
// Flash contents are checked through the session's own Verify.
func TestEraseWriteResetMassErase(t *testing.T) {
	for _, probe := range probes {
		t.Run(probe, func(t *testing.T) {
			b := simrig.Open(t, probe+":stm32f411ce", "stm32f411ce")
			ctx := context.Background()
			// Three erase units of data.
			img := []targets.Segment{{Addr: base, Data: simrig.Image(3*unit, 9)}}
			if err := b.S.Program(ctx, img, targets.ProgramOptions{}, nil); err != nil {
				t.Fatal(err)
			}
			// Erase the middle unit only.
			if err := b.S.Erase(ctx, base+unit, unit, nil); err != nil {
				t.Fatal(err)
			}
			data := img[0].Data
			want := []targets.Segment{{Addr: base, Data: data[:unit]}, {Addr: base + unit, Data: erased(unit)}, {Addr: base + 2*unit, Data: data[2*unit:]}}
			if err := b.S.Verify(ctx, want, nil); err != nil {
				t.Fatalf("after erasing the middle unit: %v", err)
			}
			// Per-unit data into the erased unit, then over programmed data.
			serial := []byte("BP-000042")
			if err := b.S.WriteBytes(ctx, base+unit+16, serial); err != nil {
				t.Fatal(err)
			}
			if err := b.S.Verify(ctx, []targets.Segment{{Addr: base + unit + 16, Data: serial}}, nil); err != nil {
				t.Fatalf("serial not written: %v", err)
			}
			if err := b.S.WriteBytes(ctx, base+4, []byte{0x55, 0xAA, 0x5A, 0xA5}); err == nil || !strings.Contains(err.Error(), "already holds") {
				t.Errorf("writing over programmed flash: %v", err)
			}
			// Ranges that do not fit the erase map are refused.
			for _, r := range [][2]uint32{{base + 1, unit}, {base, unit + 1}, {base - unit, unit}} {
				if err := b.S.Erase(ctx, r[0], r[1], nil); err == nil {
					t.Errorf("Erase(0x%08X, %d) accepted", r[0], r[1])
				}
			}
			// Reset (halted and running) leaves the session usable.
			for _, halt := range []bool{true, false} {
				if err := b.S.Reset(ctx, halt); err != nil {
					t.Fatalf("Reset(halt=%v): %v", halt, err)
				}
				if _, err := b.S.Identify(ctx); err != nil {
					t.Fatalf("identify after Reset(halt=%v): %v", halt, err)
				}
			}
			// Mass erase leaves every touched unit erased.
			if err := b.S.MassErase(ctx, nil); err != nil {
				t.Fatal(err)
			}
			err := b.S.Verify(ctx, []targets.Segment{{Addr: base, Data: erased(3 * unit)}}, nil)
			var ve *targets.VerifyError
			if err != nil {
				if errors.As(err, &ve) {
					t.Fatalf("not erased at 0x%08X", ve.Addr)
				}
				t.Fatal(err)
			}
			if err := b.S.Program(ctx, img, targets.ProgramOptions{SkipErase: true}, nil); err != nil {
				t.Fatalf("program after mass erase: %v", err)
			}
		})
	}
}
