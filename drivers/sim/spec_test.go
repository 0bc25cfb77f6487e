package sim

import (
	"strings"
	"testing"
)

func TestParseSpec(t *testing.T) {
	got, err := ParseSpec("2*cmsis-dap-v2:stm32f411ce, stlink-v2:stm32f103c8+locked,cmsis-dap-v1:nrf52840+approtect+faults=0.01,stlink-v2-old:stm32f103cb+clone+empty,cmsis-dap-v2:nrf52840+REV3+approtect")
	if err != nil {
		t.Fatal(err)
	}
	want := []SlotSpec{
		{Probe: ProbeCMSISDAPv2, Chip: ChipSTM32F411CE},
		{Probe: ProbeCMSISDAPv2, Chip: ChipSTM32F411CE},
		{Probe: ProbeSTLinkV2, Chip: ChipSTM32F103C8, Locked: true},
		{Probe: ProbeCMSISDAPv1, Chip: ChipNRF52840, Locked: true, FaultRate: 0.01},
		{Probe: ProbeSTLinkV2Old, Chip: ChipSTM32F103CB, Maker: "cs32", Empty: true},
		{Probe: ProbeCMSISDAPv2, Chip: ChipNRF52840, Locked: true, Rev3: true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d slots, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("slot %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestParseSpecErrors(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"", "sim spec is empty"},
		{"cmsis-dap-v2:stm32f412", `item 1 ("cmsis-dap-v2:stm32f412"): unknown chip "stm32f412": known stm32f103c8, stm32f103cb, stm32f411ce, nrf52840, rp2040`},
		{"cmsis-dap-v2:rp2040,dap:rp2040", `item 2 ("dap:rp2040"): unknown probe "dap": known cmsis-dap-v1`},
		{"stlink-v2", "want PROBE:CHIP"},
		{"0*stlink-v2:stm32f103c8", `repeat count "0" is not a positive whole number`},
		{"x*stlink-v2:stm32f103c8", `repeat count "x"`},
		{"300*stlink-v2:stm32f103c8", "more than 256 probes"},
		{"200*stlink-v2:stm32f103c8,100*stlink-v2:stm32f103c8", "more than 256 probes"},
		{"cmsis-dap-v2:rp2040+locked", "rp2040 has no readout protection"},
		{"cmsis-dap-v2:nrf52840+clone", `"clone" applies to stm32f103c8`},
		{"cmsis-dap-v2:nrf52840+faults", "needs a rate"},
		{"cmsis-dap-v2:nrf52840+faults=2", "want a rate from 0 to 1"},
		{"cmsis-dap-v2:nrf52840+faults=NaN", "want a rate from 0 to 1"},
		{"cmsis-dap-v2:nrf52840+shiny", `unknown option "shiny"`},
		{"cmsis-dap-v2:nrf52840+empty=1", `option "empty" takes no value`},
		{"cmsis-dap-v2:stm32f411ce+rev3", `option "rev3" (nRF52840 build code AAF0) applies to nrf52840 only, not stm32f411ce`},
		{"stlink-v2:stm32f103c8+locked+rev3", `applies to nrf52840 only, not stm32f103c8`},
		{"cmsis-dap-v2:rp2040+rev3", `applies to nrf52840 only, not rp2040`},
		{"cmsis-dap-v2:nrf52840+rev3=1", `option "rev3" takes no value`},
		{"cmsis-dap-v2:nrf52840+shiny", `known locked, approtect, empty, gd32, cs32, apm32, clone, rev3, faults=RATE`},
		{"cmsis-dap-v2:stm32f411ce+gd32", `option "gd32" applies to stm32f103c8 and stm32f103cb, not stm32f411ce`},
		{"stlink-v2:stm32f103c8+gd32+apm32", `option "apm32": the board already is a gd32; name one maker`},
		{"stlink-v2:stm32f103c8+clone+gd32", `option "gd32": the board already is a cs32`},
		{"stlink-v2:stm32f103c8+serial", `option "serial" needs the text`},
		{"stlink-v2:stm32f103c8+serial=", `option "serial" needs the text`},
		{"stlink-v2-old:stm32f103c8+serial=ABC", `stlink-v2-old reports a 12-byte binary serial`},
		{"stlink-v2:stm32f103c8+serial=A B", `only printable ASCII without spaces`},
		{"stlink-v2:stm32f103c8+serial=" + strings.Repeat("7", 127), `127 characters, a USB string descriptor holds at most 126`},
	} {
		_, err := ParseSpec(tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseSpec(%q) = %v, want error containing %q", tc.spec, err, tc.want)
		}
	}
}

func TestSpecRoundTrip(t *testing.T) {
	for _, s := range []string{"cmsis-dap-v2:stm32f411ce", "stlink-v2:stm32f103c8+locked+apm32", "cmsis-dap-v2:stm32f103cb+gd32", "stlink-v3:stm32f103c8+cs32", "cmsis-dap-v1:nrf52840+approtect+empty+faults=0.05",
		"cmsis-dap-v2:nrf52840+approtect+rev3", "stlink-v3:nrf52840+rev3+faults=0.01", "stlink-v2:stm32f103c8+cs32+serial=55FF6B065177495619420887"} {
		slots, err := ParseSpec(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := slots[0].String(); got != s {
			t.Errorf("String() = %q, want %q", got, s)
		}
	}
}

func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"8*cmsis-dap-v2:stm32f411ce,stlink-v2:stm32f103c8+locked", "jlink:rp2040", "a*b:c+d=e", ",,,", "1*x:y+faults=1e-3", "cmsis-dap-v2:nrf52840+rev3+approtect"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		slots, err := ParseSpec(spec)
		if err != nil {
			return
		}
		if len(slots) == 0 || len(slots) > maxSlots {
			t.Fatalf("ParseSpec(%q) gave %d slots", spec, len(slots))
		}
		for _, s := range slots {
			again, err := ParseSpec(s.String())
			if err != nil || len(again) != 1 || again[0] != s {
				t.Fatalf("slot %+v does not round-trip: %v %v", s, again, err)
			}
		}
	})
}

// TestCloneAlias: "clone" names the compatible reported most (CS32F103);
// each maker option selects its own.
func TestCloneAlias(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"stlink-v2:stm32f103c8+clone", "cs32"},
		{"stlink-v2:stm32f103c8+CLONE+cs32", "cs32"},
		{"stlink-v2:stm32f103c8+gd32", "gd32"},
		{"stlink-v2:stm32f103cb+apm32", "apm32"},
		{"stlink-v2:stm32f103c8", ""},
	} {
		slots, err := ParseSpec(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		if slots[0].Maker != tc.want {
			t.Errorf("%s: maker %q, want %q", tc.spec, slots[0].Maker, tc.want)
		}
	}
}

// TestSerialOption: probes given one serial report it, each at its own
// port; the others keep their position-derived serials.
func TestSerialOption(t *testing.T) {
	fx, err := New("2*stlink-v2:stm32f103c8+serial=CLONE0001,stlink-v2:stm32f103c8,cmsis-dap-v2:rp2040+serial=PICO", Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range fx.Slots {
		got = append(got, s.Probe.Descriptor().Serial)
	}
	if got[0] != "CLONE0001" || got[1] != "CLONE0001" || got[3] != "PICO" {
		t.Errorf("serials %q, want CLONE0001 twice and PICO", got)
	}
	if got[2] == "CLONE0001" || len(got[2]) != 24 {
		t.Errorf("slot 3 serial %q, want its own 24 hex digits", got[2])
	}
}
