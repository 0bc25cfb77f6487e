package usb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/gousb"

	"github.com/flashstation/flashstation/drivers/link"
)

// fakeDevice records how claim sets a device up, as gousb v1.1.3 acts on
// it: Config with gousb's auto-detach flag set detaches the kernel driver
// of every interface (device.go).
type fakeDevice struct {
	autodetach bool
	calls      []string
}

func (d *fakeDevice) SetAutoDetach(on bool) error {
	d.autodetach = on
	d.calls = append(d.calls, fmt.Sprintf("SetAutoDetach(%v)", on))
	return nil
}

func (d *fakeDevice) ActiveConfigNum() (int, error) {
	d.calls = append(d.calls, "ActiveConfigNum")
	return 1, nil
}

func (d *fakeDevice) Config(n int) (*gousb.Config, error) {
	if d.autodetach {
		d.calls = append(d.calls, fmt.Sprintf("Config(%d) detaching every interface", n))
	} else {
		d.calls = append(d.calls, fmt.Sprintf("Config(%d)", n))
	}
	return nil, nil
}

var _ configurer = (*fakeDevice)(nil)

// Opening a probe must leave the kernel drivers of its other interfaces
// (an ST-Link V2-1/V3's or a DAPLink's virtual COM port and drive) bound:
// only libusb's own auto-detach, set after Config, which detaches the
// claimed interface alone.
func TestActiveConfigDetachesOnlyTheClaimedInterface(t *testing.T) {
	d := &fakeDevice{}
	if _, err := activeConfig(d, "usb:1-2"); err != nil {
		t.Fatal(err)
	}
	want := "ActiveConfigNum, Config(1), SetAutoDetach(true)"
	if got := strings.Join(d.calls, ", "); got != want {
		t.Errorf("calls %s, want %s", got, want)
	}
}

// gousbReader is an endpoint as gousb v1.1.3 runs a transfer: when the
// context ends first it cancels the transfer, waits for it, and reports
// TransferCancelled with whatever part of the data had arrived
// (transfer.go wait, endpoint.go transfer).
type gousbReader struct{ partial []byte }

func (r gousbReader) ReadContext(ctx context.Context, p []byte) (int, error) {
	<-ctx.Done()
	return copy(p, r.partial), gousb.TransferCancelled
}

func TestReadPastDeadlineIsTimeoutWithoutData(t *testing.T) {
	l := &usbLink{port: "usb:1-2", in: gousbReader{partial: []byte{0x05, 0x01, 0x02}}}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	n, err := l.Read(ctx, make([]byte, 64))
	if !errors.Is(err, link.ErrTimeout) || n != 0 {
		t.Fatalf("read past its deadline = %d, %v; want 0 bytes and link.ErrTimeout", n, err)
	}
	ctx, cancel = context.WithCancel(t.Context())
	cancel()
	n, err = l.Read(ctx, make([]byte, 64))
	if errors.Is(err, link.ErrTimeout) || !errors.Is(err, context.Canceled) || n != 0 {
		t.Fatalf("cancelled read = %d, %v; want 0 bytes and context.Canceled", n, err)
	}
}

func TestTransferResult(t *testing.T) {
	live := context.Background()
	expired, cancel := context.WithDeadline(live, time.Now().Add(-time.Second))
	defer cancel()
	cancelled, cancel2 := context.WithCancel(live)
	cancel2()
	for _, tc := range []struct {
		name    string
		ctx     context.Context
		n       int
		err     error
		wantN   int
		wantErr error
		notErr  error
	}{
		{"completed", live, 12, nil, 12, nil, nil},
		{"cancelled at the deadline", expired, 7, gousb.TransferCancelled, 0, link.ErrTimeout, nil},
		{"cancelled by the caller", cancelled, 7, gousb.TransferCancelled, 0, context.Canceled, link.ErrTimeout},
		{"libusb timeout", live, 0, gousb.TransferTimedOut, 0, link.ErrTimeout, nil},
		{"sync timeout", live, 3, gousb.ErrorTimeout, 0, link.ErrTimeout, nil},
		{"unplugged", live, 0, gousb.TransferNoDevice, 0, link.ErrDisconnected, nil},
		{"no device", live, 0, gousb.ErrorNoDevice, 0, link.ErrDisconnected, nil},
		{"stall", live, 0, gousb.TransferStall, 0, gousb.TransferStall, link.ErrTimeout},
		{"wrapped code", live, 0, fmt.Errorf("something: %v", gousb.ErrorIO), 0, gousb.ErrorIO, link.ErrTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := transferResult("read", "usb:1-2", tc.ctx, tc.n, tc.err)
			if n != tc.wantN {
				t.Errorf("n = %d, want %d", n, tc.wantN)
			}
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if tc.notErr != nil && errors.Is(err, tc.notErr) {
				t.Errorf("err = %v, must not be %v", err, tc.notErr)
			}
		})
	}
}

// gousb v1.1.3 wraps the claim failure with %v ("failed to claim
// interface %d on %s: %v", config.go), so the libusb code is only in the
// text; it must still be recognised.
func TestClaimErrorRecognisesLibusbCodes(t *testing.T) {
	gousbClaim := func(code gousb.Error) error {
		return fmt.Errorf("failed to claim interface %d on %s: %v", 0, "vid=0483,pid=374b,bus=1,addr=5,config=1", code)
	}
	for _, tc := range []struct {
		name    string
		err     error
		want    []error
		text    string
		notWant error
	}{
		{"busy", gousbClaim(gousb.ErrorBusy), []error{ErrInUse, gousb.ErrorBusy}, "in use by another program", ErrPermission},
		{"permission", gousbClaim(gousb.ErrorAccess), []error{ErrPermission, gousb.ErrorAccess}, "udev", ErrInUse},
		{"other", gousbClaim(gousb.ErrorIO), []error{gousb.ErrorIO}, "claim interface 0", ErrInUse},
		{"already a code", gousb.ErrorBusy, []error{ErrInUse, gousb.ErrorBusy}, "in use", nil},
		{"no code", errors.New("interface 0 on x is already claimed"), nil, "already claimed", ErrInUse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := claimError("usb:1-2", "066DFF485550755187121723", 0, tc.err)
			for _, w := range tc.want {
				if !errors.Is(err, w) {
					t.Errorf("%v: errors.Is(%v) is false", err, w)
				}
			}
			if tc.notWant != nil && errors.Is(err, tc.notWant) {
				t.Errorf("%v is %v", err, tc.notWant)
			}
			msg := err.Error()
			if !strings.Contains(msg, "probe 066DFF485550755187121723 at usb:1-2") || !strings.Contains(msg, tc.text) {
				t.Errorf("message %q lacks the probe serial and port or %q", msg, tc.text)
			}
		})
	}
}
