package openocd

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/bitbang"
	"github.com/flashstation/flashstation/targets/facts"
)

// TestOpenOCDCompatibles runs OpenOCD against the simulated GD32F103,
// CS32F103 and APM32F103, each answering with the identity real ones
// report (drivers/sim/IDENTITY.md): OpenOCD must reach the chip through
// the stock stm32f1x.cfg, and Identify must call each a compatible and
// the genuine part not.
func TestOpenOCDCompatibles(t *testing.T) {
	bin := requireOpenOCD(t)
	v, err := facts.Lookup("stm32f103c8")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		maker string
		clone bool
		rev   uint32
	}{{"", false, 0x2003}, {"gd32", true, 0x1303}, {"cs32", true, 0x2003}, {"apm32", true, 0x2003}} {
		t.Run("maker="+tc.maker, func(t *testing.T) {
			_, _, port := simServer(t, bitbang.ChipConfig{Variant: "stm32f103c8", Maker: tc.maker, Seed: 5})
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var log lockedBuffer
			s, err := Start(ctx, Config{Binary: bin, AdapterArgs: RemoteBitbangAdapter(port),
				PostTarget: RemoteBitbangPostTarget(), Variant: v,
				Log: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.Level(-100)}))})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			id, err := s.Identify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if id.Clone != tc.clone || id.DeviceID != 0x410 || id.RevID != tc.rev || id.FlashKiB != 64 {
				t.Errorf("identity %+v: want clone=%v dev 0x410 rev %#x 64 KiB", id, tc.clone, tc.rev)
			}
			// CPUTAPID 0: no maker's DP/TAP id is reported as unexpected.
			if out := log.String(); strings.Contains(out, "UNEXPECTED") || !strings.Contains(out, "tap/device found") {
				t.Errorf("OpenOCD log:\n%s", out)
			}
		})
	}
}

// lockedBuffer collects log output written from OpenOCD's reader goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
