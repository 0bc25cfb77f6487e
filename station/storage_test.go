package station

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/jobs"
)

const serialSteps = `
[serial]
format = "BP-%06d"
first = 1
address = 0x0800FC00
` + testSteps + `
[[step]]
action = "write"
serial = true
`

// fullStore is a store on a disk that filled up: the write named in
// failing fails as jobs does then, with a station fault around ENOSPC.
type fullStore struct {
	Store
	failing string // "reserve" or "finish"
}

var errFull = drivers.StationFault(fmt.Errorf("jobs: write attempts.db: %w", syscall.ENOSPC))

func (f fullStore) Reserve(ctx context.Context, series string, first uint64, id jobs.ID) (uint64, error) {
	if f.failing == "reserve" {
		return 0, errFull
	}
	return f.Store.Reserve(ctx, series, first, id)
}

func (f fullStore) Finish(ctx context.Context, a *jobs.Attempt) error {
	if f.failing == "finish" {
		return fmt.Errorf("jobs: finish: %w", errFull)
	}
	return f.Store.Finish(ctx, a)
}

// TestFullDiskIsAStationErrorOnTheTile: a store that cannot write (a full
// disk) makes the slot show a station error, never the board's fail, and
// the record says so where it can be written.
func TestFullDiskIsAStationErrorOnTheTile(t *testing.T) {
	for _, failing := range []string{"reserve", "finish"} {
		t.Run(failing, func(t *testing.T) {
			r := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8", steps: serialSteps,
				wrap: func(s *jobs.Store) Store { return fullStore{s, failing} }})
			r.cycle(t)
			v := r.slot("S01")
			if v.State != StateError || !strings.Contains(v.Detail+v.Reason, "no space left on device") {
				t.Errorf("slot %s %q %q; want error naming the full disk", v.State, v.Reason, v.Detail)
			}
			if n := testutil.ToFloat64(r.st.m.attempts.WithLabelValues("fail", "bluepill", "S01")); n != 0 {
				t.Errorf("%v attempts counted as the board's fail", n)
			}
			if failing == "finish" {
				return // the end could not be recorded: the next open marks it interrupted
			}
			got, err := r.store.Query(context.Background(), jobs.Filter{})
			if err != nil || len(got) != 1 || got[0].Result != jobs.Error || !strings.Contains(got[0].Error, "no space left") {
				t.Fatalf("records %+v, %v; want one error naming the full disk", got, err)
			}
		})
	}
}

// TestSerialMetricCounts: flashstation_serial_numbers_assigned_total
// counts the numbers committed to passing boards.
func TestSerialMetricCounts(t *testing.T) {
	r := newRig(t, rigOpts{spec: "2*cmsis-dap-v2:stm32f103c8", steps: serialSteps})
	r.cycle(t)
	r.cycle(t)
	if n := testutil.ToFloat64(r.st.m.serials.WithLabelValues("bluepill")); n != 4 {
		t.Errorf("serial numbers assigned %v, want 4 (two slots, two cycles)", n)
	}
}
