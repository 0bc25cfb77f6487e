package simtest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/sim"
	"github.com/flashstation/flashstation/drivers/sim/fault"
)

// faultCases: which of the faults=RATE kinds stay on, at 5% each.
var faultCases = []struct {
	name  string
	kinds []fault.Kind
	skip  string
}{
	{"wait storm and timeouts", []fault.Kind{fault.WaitStorm, fault.LinkTimeout}, ""},
	// USB never delivers a damaged packet or loses an OUT silently: the
	// simulated Link fails those transfers, as a host controller does.
	{"corrupted replies", []fault.Kind{fault.LinkCorrupt}, ""},
	{"dropped writes", []fault.Kind{fault.LinkDrop}, ""},
	{"all link faults", []fault.Kind{fault.WaitStorm, fault.LinkTimeout, fault.LinkCorrupt, fault.LinkDrop}, ""},
}

// TestFaultsNeverWrongData writes and reads RAM through a probe whose
// target answers WAIT in storms and whose link times out (spec
// faults=0.05). Operations may fail; a read that succeeds must return the
// bytes last written. After a failure the test either retries on the same
// connection or reopens the probe, as a worker retrying a step might.
func TestFaultsNeverWrongData(t *testing.T) {
	for _, fc := range faultCases {
		for _, reopen := range []bool{false, true} {
			for _, kind := range failKinds {
				name := fmt.Sprintf("%s/reopen=%v/%s", fc.name, reopen, kind)
				t.Run(name, func(t *testing.T) {
					if fc.skip != "" {
						t.Skip(fc.skip)
					}
					good, failed := faultRounds(t, kind, fc.kinds, reopen)
					t.Logf("%d good reads, %d failed operations", good, failed)
					// Both paths must have run, or the test proves nothing.
					if good == 0 || failed == 0 {
						t.Errorf("%d good reads, %d failures: the faults did not exercise both paths", good, failed)
					}
				})
			}
		}
	}
}

// faultRounds runs write/read rounds of 16 words and fails the test on
// the first read that returns wrong data without an error.
func faultRounds(t *testing.T, kind string, kinds []fault.Kind, reopen bool) (good, failed int) {
	const rounds, words = 40, 16
	fx, err := sim.New(kind+":stm32f411ce+faults=0.05", sim.Options{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	inj := fx.Slots[0].Probe.Faults()
	for k := range fault.Kind(fault.Unplug + 1) {
		inj.SetRate(k, 0)
	}
	for _, k := range kinds {
		inj.SetRate(k, 0.05)
	}
	var r *Rig
	var mem drivers.MemoryAccess
	connect := func() {
		for range 50 {
			if r != nil {
				r.Close()
			}
			if r, err = OpenSlot(t.Context(), fx, Options{}); err != nil {
				r = nil
				continue
			}
			if mem, err = r.Memory(t.Context(), 4_000_000, nil); err == nil {
				return
			}
		}
		t.Fatalf("no connect in 50 tries: %v", err)
	}
	// retry follows a failed operation. A disconnect-class error (the
	// probe vanished, or an ST-Link fell out of step mid-command) leaves
	// the connection unusable, so it is reopened whatever the policy, as a
	// station worker does when its probe returns.
	retry := func(err error) {
		failed++
		if reopen || errors.Is(err, link.ErrDisconnected) {
			connect()
		}
	}
	connect()
	defer func() { r.Close() }()
	for round := range rounds {
		src := make([]uint32, words)
		for i := range src {
			src[i] = uint32(round)<<16 | uint32(i)
		}
		for tries := 0; ; tries++ {
			err := mem.WriteMemory32(t.Context(), sram411, src)
			if err == nil {
				break
			}
			if tries == 50 {
				t.Fatalf("round %d: no write succeeded in 50 tries; the last: %v", round, err)
			}
			retry(err)
		}
		dst := make([]uint32, words)
		if err := mem.ReadMemory32(t.Context(), sram411, dst); err != nil {
			retry(err)
			continue
		}
		if got, want := fmt.Sprintf("%08x", dst), fmt.Sprintf("%08x", src); got != want {
			t.Fatalf("round %d: read returned wrong data and no error:\n got %s\nwant %s", round, got, want)
		}
		good++
	}
	return good, failed
}
