package recipes

import (
	"context"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/jobs"
)

// Classify is the one place that decides how a step or an attempt ended —
// the base of every yield figure:
//   - nil is a pass;
//   - the attempt's own context ended (operator abort, station stopping,
//     attempt deadline, probe gone): aborted; the station refines that by
//     the context's cause (see station's fixResult);
//   - a station fault (probe, USB, OpenOCD, storage, database; a probe that
//     timed out or vanished): error, never the board's fail;
//   - anything else the board did or failed to do: fail.
//
// ctx is the attempt's context, not a step's: a step that ran out of its own
// timeout is the board's fail unless the error says otherwise.
func Classify(ctx context.Context, err error) jobs.Result {
	switch {
	case err == nil:
		return jobs.Pass
	case ctx.Err() != nil:
		return jobs.Aborted
	case drivers.IsStationFault(err):
		return jobs.Error
	}
	return jobs.Fail
}
