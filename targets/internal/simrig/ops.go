package simrig

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/targets"
)

// erased is n bytes of erased flash.
func erased(n uint32) []byte { return bytes.Repeat([]byte{0xFF}, int(n)) }

// EraseWriteResetMassErase covers the operations the program/verify tests
// do not: range erase (only the units asked for), per-unit writes (and
// their refusal over programmed flash), reset, and mass erase, on each
// probe kind given. base and unit are the start of flash and the size of
// its first erase units; chip is the --sim chip name and the facts variant.
// Flash contents are checked through the session's own Verify.
func EraseWriteResetMassErase(t *testing.T, chip string, base, unit uint32, probes []string) {
	for _, probe := range probes {
		t.Run(probe, func(t *testing.T) {
			b := Open(t, probe+":"+chip, chip)
			ctx := context.Background()
			// Three erase units of data.
			img := []targets.Segment{{Addr: base, Data: Image(int(3*unit), 9)}}
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
