package simtest

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/sim"
	"github.com/flashstation/flashstation/drivers/sim/fault"
)

// stormAtTAR is a Link that turns WAIT storms on while the DAP_Transfer
// carrying one TAR write (AP write 0x04 of value tar) reaches the
// simulator: that TAR write fails, and the commands queued behind it meet
// whatever is left of the storm.
type stormAtTAR struct {
	link.Link
	inj  *fault.Injector
	tar  []byte // the entry to look for: request 05, value; nil = off
	seen int
}

func (s *stormAtTAR) Write(ctx context.Context, p []byte) (int, error) {
	if s.tar != nil && len(p) > 0 && p[0] == 0x05 && bytes.Contains(p, s.tar) {
		s.seen++
		s.inj.SetRate(fault.WaitStorm, 1)
		defer s.inj.SetRate(fault.WaitStorm, 0)
	}
	return s.Link.Write(ctx, p)
}

// failedAt is the address an arm memory error names.
var failedAt = regexp.MustCompile(`memory write at 0x([0-9a-f]{8})`)

// TestWaitStormAtTAR makes the TAR write of one window of a 12 KiB write
// fail with WAIT, window by window. The probe may already hold commands
// of that window, which then write where TAR was left; the write must
// still touch nothing outside its range, and everything before the
// address its error names must hold the new data. Aligned and unaligned
// starts: after an unaligned first window, TAR wraps to before the range.
func TestWaitStormAtTAR(t *testing.T) {
	for _, kind := range []string{"cmsis-dap-v1", "cmsis-dap-v2"} {
		for _, start := range []uint32{sram411 + 0x1000, sram411 + 0x1FF0} {
			t.Run(fmt.Sprintf("%s/0x%08x", kind, start), func(t *testing.T) {
				stormAtTARRounds(t, kind, start)
			})
		}
	}
}

func stormAtTARRounds(t *testing.T, kind string, start uint32) {
	const words, guard = 3 * 1024, 1024 // 12 KiB, 4 KiB guards
	fx, err := sim.New(kind+":stm32f411ce", sim.Options{Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	st := &stormAtTAR{inj: fx.Slots[0].Probe.Faults()}
	r, err := OpenSlot(t.Context(), fx, Options{Wrap: func(l link.Link) link.Link { st.Link = l; return st }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	mem, err := r.Memory(t.Context(), 4_000_000, nil)
	if err != nil {
		t.Fatal(err)
	}
	lo := start - 4*guard
	all := make([]uint32, 2*guard+words) // what memory must hold, guards included
	for i := range all {
		all[i] = 0x6A000000 | uint32(i)
	}
	if err := mem.WriteMemory32(t.Context(), lo, all); err != nil {
		t.Fatal(err)
	}
	// The TAR value of every window the write starts.
	var tars []uint32
	for a := start; a < start+4*words; a = (a + 4096) &^ 4095 {
		tars = append(tars, a)
	}
	for round, tar := range tars {
		src := make([]uint32, words)
		for i := range src {
			src[i] = uint32(round+1)<<24 | uint32(i)
		}
		st.tar = binary.LittleEndian.AppendUint32([]byte{0x05}, tar)
		st.seen = 0
		werr := mem.WriteMemory32(t.Context(), start, src)
		st.tar = nil
		if st.seen == 0 || werr == nil {
			t.Fatalf("round %d: TAR write 0x%08x seen %d times, write error %v: the storm missed it", round, tar, st.seen, werr)
		}
		m := failedAt.FindStringSubmatch(werr.Error())
		if m == nil {
			t.Fatalf("round %d: error names no address: %v", round, werr)
		}
		a, _ := strconv.ParseUint(m[1], 16, 32)
		good := int(uint32(a)-start) / 4 // words that must hold src
		t.Logf("round %d: storm at TAR 0x%08x: %v", round, tar, werr)
		got := make([]uint32, len(all))
		if err := readQuiet(t, mem, lo, got); err != nil {
			t.Fatal(err)
		}
		for i, v := range got {
			want := all[i]
			if i >= guard && i < guard+words {
				if i-guard >= good {
					continue // at or after the failure: undefined
				}
				want = src[i-guard]
			}
			if v != want {
				t.Fatalf("round %d (%v): word at 0x%08x = 0x%08x, want 0x%08x", round, werr, lo+uint32(4*i), v, want)
			}
		}
		copy(all[guard:guard+good], src)
		copy(all[guard+good:guard+words], got[guard+good:guard+words])
	}
}

// readQuiet reads with storms off; one still under way may outlast a read.
func readQuiet(t *testing.T, mem drivers.MemoryAccess, addr uint32, dst []uint32) error {
	var err error
	for range 5 {
		if err = mem.ReadMemory32(t.Context(), addr, dst); err == nil {
			return nil
		}
	}
	return err
}
