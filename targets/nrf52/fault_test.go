package nrf52

import (
	"context"
	"errors"
	"github.com/flashstation/flashstation/drivers/link"
	"testing"

	"github.com/flashstation/flashstation/drivers/sim/fault"

	"github.com/flashstation/flashstation/targets"
)

func TestBadCellFailsVerify(t *testing.T) {
	r := newRig(t, "cmsis-dap-v2:nrf52840")
	r.fx.Slots[0].Probe.Faults().AddBadCell(0x27404)
	ctx := context.Background()
	data := image(4, 8192)
	if err := r.s.Program(ctx, seg(0x27000, data), targets.ProgramOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	err := r.s.Verify(ctx, seg(0x27000, data), nil)
	var ve *targets.VerifyError
	if !errors.As(err, &ve) || ve.Addr < 0x27404 || ve.Addr > 0x27407 || ve.Mismatch == 0 || len(ve.Got) == 0 {
		t.Fatalf("verify with a bad cell: %v", err)
	}
}

// Under faults an operation may fail (a WAIT storm of up to 128 WAITs
// beats the probe's 100 retries about once in 90 transactions, and a flash
// write stalling for tWRITE meets one about once in 10 words), but one
// that reports success must have left the right bytes, and a failed one
// must leave the chip usable: the retry with faults off must succeed.
func TestFaultsKeepData(t *testing.T) {
	for _, tc := range []struct {
		kind  string
		storm bool
	}{{"cmsis-dap-v2", true}, {"cmsis-dap-v2", false}, {"stlink-v2", false}} {
		name := tc.kind + map[bool]string{true: "/wait-storm", false: "/all-faults"}[tc.storm]
		t.Run(name, func(t *testing.T) {
			r := newRig(t, tc.kind+":nrf52840")
			f := r.fx.Slots[0].Probe.Faults()
			kinds := []fault.Kind{fault.WaitStorm}
			if !tc.storm {
				kinds = []fault.Kind{fault.LinkDrop, fault.LinkCorrupt, fault.WaitStorm, fault.Parity}
			}
			for _, k := range kinds {
				f.SetRate(k, 0.05)
			}
			ctx := context.Background()
			data := image(5, 4*1024)
			perr := r.s.Program(ctx, seg(0x40000, data), targets.ProgramOptions{}, nil)
			for _, k := range kinds {
				f.SetRate(k, 0)
			}
			if perr != nil {
				t.Logf("program failed under faults (allowed): %v", perr)
				if errors.Is(perr, link.ErrDisconnected) {
					// The probe fell out of step: reopen it, as a worker would.
					r.p.Close()
					r = openRig(t, r.fx)
				}
				if err := r.s.Program(ctx, seg(0x40000, data), targets.ProgramOptions{}, nil); err != nil {
					t.Fatalf("retry without faults: %v", err)
				}
			}
			if err := r.s.Verify(ctx, seg(0x40000, data), nil); err != nil {
				t.Fatalf("program reported success but: %v", err)
			}
		})
	}
}

func TestCancelThenRetry(t *testing.T) {
	r := newRig(t, "cmsis-dap-v2:nrf52840")
	data := image(6, 32*1024)
	ctx, cancel := context.WithCancel(context.Background())
	err := r.s.Program(ctx, seg(0x27000, data), targets.ProgramOptions{}, func(p targets.Progress) {
		if p.Phase == targets.PhaseProgram && p.Done >= 8*1024 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled program: %v", err)
	}
	// The NVMC was left read-only and idle.
	var cfg [1]uint32
	if err := r.s.t.Mem.ReadMemory32(context.Background(), nvmcConfig, cfg[:]); err != nil || cfg[0] != configRead {
		t.Fatalf("CONFIG after cancel: %d %v", cfg[0], err)
	}
	ctx = context.Background()
	if err := r.s.Program(ctx, seg(0x27000, data), targets.ProgramOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.s.Verify(ctx, seg(0x27000, data), nil); err != nil {
		t.Fatal(err)
	}
}

func TestWordRuns(t *testing.T) {
	ff := []byte{0xFF, 0xFF, 0xFF, 0xFF}
	w := []byte{1, 2, 3, 4}
	cat := func(parts ...[]byte) (b []byte) {
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	for _, tc := range []struct {
		name  string
		addr  uint32
		data  []byte
		gap   int
		addrs []uint32
		lens  []int
	}{
		{"plain", 0x100, cat(w, w), 8, []uint32{0x100}, []int{2}},
		{"unaligned head and tail", 0x102, []byte{1, 2, 3}, 8, []uint32{0x100}, []int{2}},
		{"short gap kept", 0x100, cat(w, ff, w), 2, []uint32{0x100}, []int{3}},
		{"long gap split", 0x100, cat(w, ff, ff, w), 2, []uint32{0x100, 0x10C}, []int{1, 1}},
		{"trailing blanks dropped", 0x100, cat(w, ff), 8, []uint32{0x100}, []int{1}},
		{"all blank", 0x100, cat(ff, ff), 8, nil, nil},
	} {
		runs := wordRuns([]segment{{addr: tc.addr, data: tc.data}}, tc.gap)
		if len(runs) != len(tc.addrs) {
			t.Errorf("%s: %d runs, want %d", tc.name, len(runs), len(tc.addrs))
			continue
		}
		for i, r := range runs {
			if r.addr != tc.addrs[i] || len(r.words) != tc.lens[i] {
				t.Errorf("%s: run %d at 0x%X len %d", tc.name, i, r.addr, len(r.words))
			}
		}
	}
	r := wordRuns([]segment{{addr: 0x102, data: []byte{0x11, 0x22, 0x33}}}, 8)
	if r[0].words[0] != 0x2211FFFF || r[0].words[1] != 0xFFFFFF33 {
		t.Errorf("padding: %08X %08X", r[0].words[0], r[0].words[1])
	}
}
