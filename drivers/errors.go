package drivers

import (
	"errors"

	"github.com/flashstation/flashstation/drivers/link"
)

// Probe-independent errors. Every driver wraps its own detail around one of
// these (cmsisdap's and stlink's WAIT both satisfy errors.Is(err, ErrWait)),
// so chip families and the result classifier never name a concrete driver.
var (
	// ErrWait: the target kept answering WAIT (busy) past the driver's retries.
	ErrWait = errors.New("target stays busy (WAIT)")
	// ErrNoTarget: nothing answers on the wire: no board seated, unpowered,
	// or not wired to this probe.
	ErrNoTarget = errors.New("no target answers: is a board seated in this slot and powered?")
	// ErrTimeout: the probe did not complete a command in time (a hung probe).
	ErrTimeout = link.ErrTimeout
	// ErrDisconnected: the probe went away.
	ErrDisconnected = link.ErrDisconnected
	// ErrStationFault marks a failure of the station itself — probe, USB,
	// OpenOCD, storage, database — as opposed to the board under test. An
	// attempt that ends on one is recorded as an error, never as the board's
	// fail. Wrap with StationFault.
	ErrStationFault = errors.New("station fault")
)

// StationFault marks err as the station's fault (see ErrStationFault). The
// message is err's own; errors.Is finds both err's chain and ErrStationFault.
// StationFault(nil) is nil.
func StationFault(err error) error {
	if err == nil {
		return nil
	}
	return stationFault{err}
}

type stationFault struct{ err error }

func (e stationFault) Error() string   { return e.err.Error() }
func (e stationFault) Unwrap() []error { return []error{e.err, ErrStationFault} }

// IsStationFault reports whether err is the station's fault rather than the
// board's: marked with StationFault, or a probe that timed out or vanished.
func IsStationFault(err error) bool {
	return errors.Is(err, ErrStationFault) || errors.Is(err, ErrTimeout) || errors.Is(err, ErrDisconnected)
}
