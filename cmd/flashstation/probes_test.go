package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestProbesSim(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"probes", "--json", "--sim", "stlink-v2:stm32f103c8+locked,cmsis-dap-v2:rp2040,cmsis-dap-v1:nrf52840+empty"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var got struct {
		Probes []probeReport `json:"probes"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if len(got.Probes) != 3 {
		t.Fatalf("probes = %+v", got.Probes)
	}
	st, rp, empty := got.Probes[0], got.Probes[1], got.Probes[2]
	if st.Kind != "stlink-v2" || st.Firmware != "V2J37S7" || st.Voltage == nil || st.DPIDR == nil || *st.DPIDR != 0x1BA01477 {
		t.Errorf("ST-Link row = %+v", st)
	}
	if rp.DPIDR == nil || *rp.DPIDR != 0x0BC12477 || !strings.Contains(strings.Join(rp.Notes, ";"), "multidrop") {
		t.Errorf("RP2040 row = %+v", rp)
	}
	if empty.DPIDR != nil || !strings.Contains(strings.Join(empty.Notes, ";"), "no target answers: is a board seated") {
		t.Errorf("empty nest row = %+v", empty)
	}
	// Listing a simulated J-Link works; only flashing through it is refused.
	out.Reset()
	if code := run(context.Background(), []string{"probes", "--sim", "jlink:stm32f103c8"}, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "jlink  000801000000  usb:1-1.1") {
		t.Errorf("J-Link listing: exit %d\nstdout %s\nstderr %s", code, out.String(), errb.String())
	}
	// The STM32H750 board answers with its DPv2 DPIDR through each probe kind.
	out.Reset()
	if code := run(context.Background(), []string{"probes", "--json", "--sim", "cmsis-dap-v2:stm32h750vb,stlink-v2:stm32h750vb,stlink-v3:stm32h750vb+locked"}, &out, &errb); code != 0 {
		t.Fatalf("h750 listing: exit %d, stderr %s", code, errb.String())
	}
	var h7 struct{ Probes []probeReport }
	if err := json.Unmarshal(out.Bytes(), &h7); err != nil || len(h7.Probes) != 3 {
		t.Fatalf("h750 listing: %v\n%s", err, out.String())
	}
	for _, p := range h7.Probes {
		if p.DPIDR == nil || *p.DPIDR != 0x6BA02477 {
			t.Errorf("%s: DPIDR %v, want 0x6BA02477", p.Kind, p.DPIDR)
		}
	}
	out.Reset()
	if code := run(context.Background(), []string{"probes", "--sim", "cmsis-dap-v2:stm32f412"}, &out, &errb); code != 2 {
		t.Errorf("bad spec: exit %d", code)
	}
	if !strings.Contains(errb.String(), `unknown chip "stm32f412": known stm32f103c8`) {
		t.Errorf("stderr = %q", errb.String())
	}
}
