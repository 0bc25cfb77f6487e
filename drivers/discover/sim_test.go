package discover_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/discover"
	"github.com/flashstation/flashstation/drivers/sim"
)

// TestSurveySimulatedFixture opens every kind of simulated probe with its
// real driver and reads what `flashstation probes` shows. The drivers and
// the simulated firmwares were written independently from the protocol
// documents; agreeing here is the first check of both.
func TestSurveySimulatedFixture(t *testing.T) {
	spec := "cmsis-dap-v1:stm32f103c8,cmsis-dap-v2:stm32f411ce,stlink-v2:stm32f103c8,stlink-v2-old:stm32f103cb," +
		"stlink-v21:nrf52840,stlink-v3:stm32f411ce,cmsis-dap-v2:rp2040,jlink:stm32f103c8,cmsis-dap-v2:stm32f103c8+empty"
	fx, err := sim.New(spec, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	found, err := discover.Scan(ctx, fx.Bus)
	if err != nil || len(found) != 9 {
		t.Fatalf("Scan: %d probes, %v", len(found), err)
	}
	type want struct {
		kind     drivers.Kind
		firmware string
		dpidr    uint32 // 0: no target answers a plain SWD connect
		voltage  bool
	}
	wants := []want{
		{drivers.CMSISDAPv1, "0257", 0x1BA01477, false},
		{drivers.CMSISDAPv2, "3.133", 0x2BA01477, false},
		{drivers.STLinkV2, "V2J37S7", 0x1BA01477, true},
		{drivers.STLinkV2, "V2J17S4", 0x1BA01477, true},
		{drivers.STLinkV21, "V2J40M27", 0x2BA01477, true},
		{drivers.STLinkV3, "V3J17M10B6S1", 0x2BA01477, true},
		{drivers.CMSISDAPv2, "3.133", 0, false}, // RP2040 sleeps until TARGETSEL
		{drivers.JLink, "", 0, false},
		{drivers.CMSISDAPv2, "3.133", 0, false}, // empty nest
	}
	for i, f := range found {
		w := wants[i]
		if f.Kind != w.kind {
			t.Errorf("probe %d: kind %s, want %s", i, f.Kind, w.kind)
			continue
		}
		if i == 3 && (len(f.Serial) != 24 || strings.ToUpper(f.Serial) != f.Serial) {
			t.Errorf("old ST-Link serial %q is not 24 uppercase hex digits", f.Serial)
		}
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		p, err := discover.Open(c, fx.Bus, f, nil)
		if w.kind == drivers.JLink {
			if !errors.Is(err, discover.ErrNeedsOpenOCD) {
				t.Errorf("J-Link open: %v", err)
			}
			cancel()
			continue
		}
		if err != nil {
			t.Errorf("probe %d (%s): open: %v", i, f.Kind, err)
			cancel()
			continue
		}
		if got := p.Identity().Firmware; got != w.firmware {
			t.Errorf("probe %d: firmware %q, want %q", i, got, w.firmware)
		}
		if vs, ok := p.(drivers.VoltageSensor); ok != w.voltage {
			t.Errorf("probe %d: voltage sensor %v", i, ok)
		} else if ok {
			if v, err := vs.TargetVoltage(c); err != nil || v < 1.7 || v > 3.6 {
				t.Errorf("probe %d: target voltage %.2f, %v", i, v, err)
			}
		}
		dpidr, err := p.Connect(c, drivers.ConnectOptions{Protocol: drivers.SWD})
		switch {
		case w.dpidr != 0 && (err != nil || dpidr != w.dpidr):
			t.Errorf("probe %d: DPIDR %08X, %v; want %08X", i, dpidr, err, w.dpidr)
		case w.dpidr == 0 && (err == nil || !strings.Contains(err.Error(), "no target answers")):
			t.Errorf("probe %d: connect with no answering target: %v", i, err)
		}
		if i == 6 {
			sel := uint32(0x01002927)
			if dpidr, err := p.Connect(c, drivers.ConnectOptions{Protocol: drivers.SWD, TargetSel: &sel}); err != nil || dpidr != 0x0BC12477 {
				t.Errorf("RP2040 multidrop connect: %08X, %v", dpidr, err)
			}
		}
		p.Close()
		cancel()
	}
}
