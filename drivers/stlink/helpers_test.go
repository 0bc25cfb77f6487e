package stlink

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/link"
)

// Hand-written exchanges, from the command layouts in OpenOCD
// stlink_usb.c. "..16" pads a command block to its 16 bytes.

// openV2J37 opens a V2 (PID 3748) with firmware V2J37S7 in mass-storage mode.
const openV2J37 = `
> f1 ..16
< 29 47 83 04 48 37        # V2 J37 S7, VID 0483, PID 3748
> f5 ..16
< 01 00                    # mass storage: nothing to leave
`

// connectV2J37 connects at the default 1800 kHz to an STM32F1 (Cortex-M3).
const connectV2J37 = `
> f2 43 01 00 ..16         # SWD_SET_FREQ divisor 1 = 1800 kHz
< 80 00
> f2 30 a3 ..16            # APIV2_ENTER SWD
< 80 00
> f2 4b 00 ..16            # INIT_AP 0 (J28+)
< 80 00
> f2 31 ..16               # READ_IDCODES
< 80 00 00 00 77 14 a0 1b 00 00 00 00
> f2 07 00 ed 00 e0 04 00 ..16   # READMEM_32BIT CPUID
< 31 c2 1f 41              # 411FC231: Cortex-M3, 4 KiB TAR window
> f2 3e ..16               # GETLASTRWSTATUS2
< 80 ..12
`

// openV2J17 opens an old V2 with firmware V2J17S4.
const openV2J17 = `
> f1 ..16
< 24 44 83 04 48 37        # V2 J17 S4
> f5 ..16
< 01 00
`

// connectV2J17: no SWD_SET_FREQ (J22), no INIT_AP (J28); Cortex-M0 CPUID.
const connectV2J17 = `
> f2 30 a3 ..16
< 80 00
> f2 31 ..16
< 80 00 00 00 77 14 b1 0b 00 00 00 00
> f2 07 00 ed 00 e0 04 00 ..16
< 00 c2 0c 41              # 410CC200: Cortex-M0, 1 KiB TAR window
> f2 3e ..16
< 80 ..12
`

// playback parses an exchange script.
func playback(t *testing.T, script string) *link.Playback {
	t.Helper()
	ex, err := link.ParseExchanges(strings.NewReader(script), t.Name())
	if err != nil {
		t.Fatal(err)
	}
	return link.NewPlayback(t.Name(), ex)
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// sleeps records requested sleeps without sleeping.
type sleeps []time.Duration

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	*s = append(*s, d)
	return ctx.Err()
}

// openScript opens a probe on script; the probe never sleeps for real.
func openScript(t *testing.T, script string) (*Probe, *link.Playback, *sleeps) {
	t.Helper()
	pb := playback(t, script)
	p, err := Open(t.Context(), pb, OpenInfo{Serial: "57FF72067265575742132067", Port: "usb:1-2", Logger: quiet()})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	s := &sleeps{}
	p.sleep = s.sleep
	return p, pb, s
}

// connected opens and connects a probe with the given open+connect script
// followed by the test's own exchanges.
func connected(t *testing.T, script string) (*Probe, *link.Playback, *sleeps) {
	t.Helper()
	p, pb, s := openScript(t, script)
	if _, err := p.Connect(t.Context(), drivers.ConnectOptions{}); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return p, pb, s
}

// done fails the test on any exchange left over or mismatched.
func done(t *testing.T, pb *link.Playback) {
	t.Helper()
	if err := pb.Done(); err != nil {
		t.Error(err)
	}
}
