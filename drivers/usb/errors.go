package usb

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/google/gousb"
)

// ErrInUse: another program holds the probe's interface.
var ErrInUse = errors.New("in use by another program (OpenOCD, pyOCD, another flashstation?): close it, or unplug and replug the probe")

// libusbCodeRE finds the code gousb's Error prints ("libusb: device or
// resource busy [code -6]").
var libusbCodeRE = regexp.MustCompile(`\[code (-?\d+)\]`)

// libusbError gives back the libusb error code in err, so errors.Is works
// on it. gousb v1.1.3 wraps many of them with %v — Config.Interface's
// "failed to claim interface %d on %s: %v", Device.Config's "Can't detach
// kernel driver …: %v" — which drops the code from the chain and leaves it
// only in the text. An error that already carries one, or carries none,
// is returned as it is.
func libusbError(err error) error {
	var code gousb.Error
	if err == nil || errors.As(err, &code) {
		return err
	}
	m := libusbCodeRE.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	n, perr := strconv.Atoi(m[1])
	if perr != nil || n >= 0 {
		return err
	}
	return codeError{err: err, code: gousb.Error(n)}
}

// codeError is a gousb error whose libusb code was recovered from its text.
type codeError struct {
	err  error
	code gousb.Error
}

func (e codeError) Error() string   { return e.err.Error() }
func (e codeError) Unwrap() []error { return []error{e.err, e.code} }

// claimError is the one error for an interface that could not be claimed:
// it names the probe and says what to do for the causes an operator can
// fix (another program holds it; this user may not open it).
func claimError(port, serial string, iface int, err error) error {
	err = libusbError(err)
	who := "probe at " + port
	if serial != "" {
		who = fmt.Sprintf("probe %s at %s", serial, port)
	}
	switch {
	case errors.Is(err, gousb.ErrorBusy):
		return fmt.Errorf("usb: %s: interface %d is %w (%w)", who, iface, ErrInUse, err)
	case errors.Is(err, gousb.ErrorAccess):
		return fmt.Errorf("usb: %s: interface %d: %w (%w)", who, iface, ErrPermission, err)
	}
	return fmt.Errorf("usb: %s: claim interface %d: %w", who, iface, err)
}
