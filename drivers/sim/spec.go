package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/flashstation/flashstation/drivers/sim/chip/stm32f1"
)

// ProbeKind names a simulated probe model as the --sim spec writes it.
type ProbeKind string

const (
	ProbeCMSISDAPv1  ProbeKind = "cmsis-dap-v1"
	ProbeCMSISDAPv2  ProbeKind = "cmsis-dap-v2"
	ProbeSTLinkV2    ProbeKind = "stlink-v2"
	ProbeSTLinkV2Old ProbeKind = "stlink-v2-old" // V2J17 firmware, 12-byte binary serial
	ProbeSTLinkV21   ProbeKind = "stlink-v21"
	ProbeSTLinkV3    ProbeKind = "stlink-v3"
	ProbeJLink       ProbeKind = "jlink" // identity only, for the OpenOCD driver
)

// ChipName names a simulated chip as the --sim spec writes it.
type ChipName string

const (
	ChipSTM32F103C8 ChipName = "stm32f103c8"
	ChipSTM32F103CB ChipName = "stm32f103cb"
	ChipSTM32F411CE ChipName = "stm32f411ce"
	ChipNRF52840    ChipName = "nrf52840"
	ChipRP2040      ChipName = "rp2040"
	ChipSTM32H750VB ChipName = "stm32h750vb" // WeAct-style board: the MCU and a W25Q64JV on QUADSPI
)

// ProbeKinds and ChipNames list what a spec may name, in the order errors
// list them.
var (
	ProbeKinds = []ProbeKind{ProbeCMSISDAPv1, ProbeCMSISDAPv2, ProbeSTLinkV2, ProbeSTLinkV2Old,
		ProbeSTLinkV21, ProbeSTLinkV3, ProbeJLink}
	ChipNames = []ChipName{ChipSTM32F103C8, ChipSTM32F103CB, ChipSTM32F411CE, ChipNRF52840, ChipRP2040, ChipSTM32H750VB}
)

// SlotSpec is one simulated probe and the board in its nest.
type SlotSpec struct {
	Probe ProbeKind
	Chip  ChipName
	// Locked: readout protection on (STM32 RDP level 1, nRF52 APPROTECT).
	Locked bool
	// Empty: no board in the nest; the probe is there, nothing answers.
	Empty bool
	// Maker: whose STM32F103 compatible sits in the nest ("gd32",
	// "cs32", "apm32"); empty for ST silicon.
	Maker string
	// Rev3: an nRF52840 of build code AAF0 ("revision 3"), whose
	// APPROTECT is on again after every reset unless UICR.APPROTECT is
	// HwDisabled and firmware writes APPROTECT.DISABLE; the default is
	// AAD0, whose protection follows UICR.APPROTECT alone.
	Rev3 bool
	// FaultRate: probability of a random link or wire fault per opportunity.
	FaultRate float64
	// Serial, when set, replaces the probe's position-derived serial:
	// several probes given one serial are the clone probes of a real
	// fixture, which only their port tells apart.
	Serial string
}

// String writes the slot back in spec syntax.
func (s SlotSpec) String() string {
	var b strings.Builder
	b.WriteString(string(s.Probe))
	b.WriteByte(':')
	b.WriteString(string(s.Chip))
	if s.Locked {
		if s.Chip == ChipNRF52840 {
			b.WriteString("+approtect")
		} else {
			b.WriteString("+locked")
		}
	}
	if s.Rev3 {
		b.WriteString("+rev3")
	}
	if s.Empty {
		b.WriteString("+empty")
	}
	if s.Maker != "" {
		b.WriteString("+" + s.Maker)
	}
	if s.FaultRate > 0 {
		b.WriteString("+faults=" + strconv.FormatFloat(s.FaultRate, 'g', -1, 64))
	}
	if s.Serial != "" {
		b.WriteString("+serial=" + s.Serial)
	}
	return b.String()
}

// maxSlots bounds a spec so a typo like 10000*… fails clearly instead of
// building ten thousand simulated boards.
const maxSlots = 256

// SpecError names the item of a spec that is wrong.
type SpecError struct {
	Item int    // 1-based item number in the comma-separated list
	Text string // the item as written
	Msg  string
}

func (e *SpecError) Error() string {
	return fmt.Sprintf("sim spec item %d (%q): %s", e.Item, e.Text, e.Msg)
}

// ParseSpec parses a --sim spec: a comma-separated list of
// PROBE:CHIP[+option...], each optionally prefixed N* to repeat it, e.g.
// "8*cmsis-dap-v2:stm32f411ce,stlink-v2:stm32f103c8+locked". Options:
// locked or approtect (readout protection on), empty (no board), gd32,
// cs32, apm32 (STM32F103 only: a GigaDevice GD32F103, China Key Systems
// CS32F103 or Geehy APM32F103 compatible in its place, each with the
// identity real ones report; see drivers/sim/IDENTITY.md), clone (an alias
// of cs32, the compatible reported most), rev3 (nRF52840 only: build
// code AAF0, protected after every reset unless UICR and firmware both
// disable APPROTECT, open after a CTRL-AP ERASEALL until the next reset;
// without it AAD0), faults=RATE, serial=TEXT (the probe reports TEXT as
// its serial instead of one derived from its position: probes given the
// same one are clone probes with duplicated serials; not on the old
// V2J17 ST-Link, whose serial is binary).
func ParseSpec(spec string) ([]SlotSpec, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, fmt.Errorf("sim spec is empty: want e.g. %q", "2*cmsis-dap-v2:stm32f411ce,stlink-v2:stm32f103c8+locked")
	}
	var slots []SlotSpec
	for i, raw := range strings.Split(spec, ",") {
		item := strings.TrimSpace(raw)
		bad := func(format string, args ...any) error {
			return &SpecError{Item: i + 1, Text: item, Msg: fmt.Sprintf(format, args...)}
		}
		count := 1
		if n, rest, ok := strings.Cut(item, "*"); ok {
			c, err := strconv.Atoi(strings.TrimSpace(n))
			if err != nil || c < 1 {
				return nil, bad("repeat count %q is not a positive whole number", n)
			}
			if c > maxSlots {
				return nil, bad("repeat count %d is more than %d probes", c, maxSlots)
			}
			count, item = c, strings.TrimSpace(rest)
		}
		s, err := parseSlot(item)
		if err != nil {
			return nil, bad("%s", err)
		}
		if len(slots)+count > maxSlots {
			return nil, bad("the spec names more than %d probes", maxSlots)
		}
		for range count {
			slots = append(slots, s)
		}
	}
	return slots, nil
}

func parseSlot(item string) (SlotSpec, error) {
	var s SlotSpec
	head, opts, _ := strings.Cut(item, "+")
	probe, chip, ok := strings.Cut(head, ":")
	if !ok {
		return s, fmt.Errorf("want PROBE:CHIP, e.g. cmsis-dap-v2:stm32f411ce")
	}
	s.Probe = ProbeKind(strings.ToLower(strings.TrimSpace(probe)))
	s.Chip = ChipName(strings.ToLower(strings.TrimSpace(chip)))
	if !slices.Contains(ProbeKinds, s.Probe) {
		return s, fmt.Errorf("unknown probe %q: known %s", probe, joinNames(ProbeKinds))
	}
	if !slices.Contains(ChipNames, s.Chip) {
		return s, fmt.Errorf("unknown chip %q: known %s", chip, joinNames(ChipNames))
	}
	if opts == "" {
		return s, nil
	}
	for _, o := range strings.Split(opts, "+") {
		name, val, hasVal := strings.Cut(strings.TrimSpace(o), "=")
		switch strings.ToLower(name) {
		case "locked", "approtect":
			if s.Chip == ChipRP2040 {
				return s, fmt.Errorf("option %q: rp2040 has no readout protection", name)
			}
			s.Locked = true
		case "empty":
			s.Empty = true
		case "clone", "gd32", "cs32", "apm32":
			if s.Chip != ChipSTM32F103C8 && s.Chip != ChipSTM32F103CB {
				return s, fmt.Errorf("option %q applies to stm32f103c8 and stm32f103cb, not %s", name, s.Chip)
			}
			m := strings.ToLower(name)
			if m == "clone" {
				m = string(stm32f1.MakerClone)
			}
			if s.Maker != "" && s.Maker != m {
				return s, fmt.Errorf("option %q: the board already is a %s; name one maker", name, s.Maker)
			}
			s.Maker = m
		case "rev3":
			if s.Chip != ChipNRF52840 {
				return s, fmt.Errorf("option \"rev3\" (nRF52840 build code AAF0) applies to nrf52840 only, not %s", s.Chip)
			}
			s.Rev3 = true
		case "faults":
			if !hasVal {
				return s, fmt.Errorf("option \"faults\" needs a rate, e.g. faults=0.01")
			}
			r, err := strconv.ParseFloat(val, 64)
			if err != nil || r < 0 || r > 1 || r != r {
				return s, fmt.Errorf("faults=%s: want a rate from 0 to 1", val)
			}
			s.FaultRate = r
		case "serial":
			if err := checkSerial(s.Probe, val, hasVal); err != nil {
				return s, err
			}
			s.Serial = val
		default:
			return s, fmt.Errorf("unknown option %q: known locked, approtect, empty, gd32, cs32, apm32, clone, rev3, faults=RATE, serial=TEXT", name)
		}
		if hasVal && !strings.EqualFold(name, "faults") && !strings.EqualFold(name, "serial") {
			return s, fmt.Errorf("option %q takes no value", name)
		}
	}
	return s, nil
}

// checkSerial vets a serial=TEXT option: printable ASCII that fits a USB
// string descriptor (126 UTF-16 units), no '+' or ',' (the spec's own
// separators), on a probe whose serial is text.
func checkSerial(p ProbeKind, val string, hasVal bool) error {
	if !hasVal || val == "" {
		return fmt.Errorf("option \"serial\" needs the text, e.g. serial=066DFF485550755187121723")
	}
	if p == ProbeSTLinkV2Old {
		return fmt.Errorf("option \"serial\": stlink-v2-old reports a 12-byte binary serial, not text")
	}
	if len(val) > 126 {
		return fmt.Errorf("serial=%.20s…: %d characters, a USB string descriptor holds at most 126", val, len(val))
	}
	for _, r := range val {
		if r < 0x21 || r > 0x7E {
			return fmt.Errorf("serial=%q: only printable ASCII without spaces", val)
		}
	}
	return nil
}

func joinNames[T ~string](names []T) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = string(n)
	}
	return strings.Join(parts, ", ")
}
