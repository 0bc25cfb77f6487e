package recipes

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/jobs"
)

func TestClassify(t *testing.T) {
	live := context.Background()
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	boardErr := errors.New("verify: mismatch at 0x08000010")
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want jobs.Result
	}{
		{"nil is a pass", live, nil, jobs.Pass},
		{"nil stays a pass after the context ended", gone, nil, jobs.Pass},
		{"board's error", live, boardErr, jobs.Fail},
		{"WAIT is the board's", live, fmt.Errorf("write: %w", drivers.ErrWait), jobs.Fail},
		{"no target is the board's", live, fmt.Errorf("connect: %w", drivers.ErrNoTarget), jobs.Fail},
		{"step timeout is the board's", live, fmt.Errorf("erase: %w", context.DeadlineExceeded), jobs.Fail},
		{"probe timeout is the station's", live, fmt.Errorf("read: %w", drivers.ErrTimeout), jobs.Error},
		{"probe gone is the station's", live, fmt.Errorf("read: %w", drivers.ErrDisconnected), jobs.Error},
		{"marked station fault", live, drivers.StationFault(errors.New("openocd: no J-Link found")), jobs.Error},
		{"marked deep in a chain", live, fmt.Errorf("record: %w", drivers.StationFault(boardErr)), jobs.Error},
		{"attempt context ended", gone, boardErr, jobs.Aborted},
		{"attempt context ended beats station fault", gone, drivers.StationFault(boardErr), jobs.Aborted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.ctx, tc.err); got != tc.want {
				t.Errorf("Classify(%v) = %s, want %s", tc.err, got, tc.want)
			}
		})
	}
}

func TestStationFaultKeepsMessageAndChain(t *testing.T) {
	inner := fmt.Errorf("probe 0483:3748 ABC: %w", drivers.ErrTimeout)
	err := drivers.StationFault(inner)
	if err.Error() != inner.Error() {
		t.Errorf("message %q, want %q", err, inner)
	}
	if !errors.Is(err, drivers.ErrTimeout) || !errors.Is(err, drivers.ErrStationFault) {
		t.Errorf("chain lost: %v", err)
	}
	if drivers.StationFault(nil) != nil {
		t.Error("StationFault(nil) != nil")
	}
}
