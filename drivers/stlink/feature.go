package stlink

import (
	"errors"
	"fmt"
)

// Feature is a firmware ability that only some ST-Link versions have.
type Feature uint8

const (
	FeatureTargetVoltage Feature = iota // GET_TARGET_VOLTAGE (F7)
	FeatureRWStatus2                    // GETLASTRWSTATUS2 (F2 3E)
	FeatureSWDFreq                      // SWD clock selection (F2 43 on V2, F2 61 on V3)
	FeatureDAPReg                       // READ/WRITE_DAP_REG (F2 45/46)
	FeatureMem16                        // READ/WRITEMEM_16BIT (F2 47/48)
	FeatureInitAP                       // INIT_AP / CLOSE_AP_DBG (F2 4B/4C), needed before AP access
	FeatureDPBankSel                    // banked DP registers; CSW in memory commands
	FeatureRW8Large                     // 8-bit transfers of up to 512 bytes
)

// gate is the first firmware with a feature: J number per hardware major
// (OpenOCD stlink_usb_version flag table; probes.md §2.6). 0 = never.
type gate struct {
	name   string
	v2, v3 uint8
}

var gates = map[Feature]gate{
	FeatureTargetVoltage: {"target voltage measurement", 13, 1},
	FeatureRWStatus2:     {"GETLASTRWSTATUS2", 15, 1},
	FeatureSWDFreq:       {"SWD clock selection", 22, 1},
	FeatureDAPReg:        {"DAP register access", 24, 1},
	FeatureMem16:         {"16-bit memory access", 26, 1},
	FeatureInitAP:        {"access port initialisation", 28, 1},
	FeatureDPBankSel:     {"banked DP register access", 32, 2},
	FeatureRW8Large:      {"512-byte 8-bit transfers", 0, 6},
}

func (f Feature) String() string {
	if g, ok := gates[f]; ok {
		return g.name
	}
	return fmt.Sprintf("feature(%d)", uint8(f))
}

// need returns the minimum J for this hardware major; ok is false when the
// hardware never has the feature.
func (f Feature) need(major uint8) (uint8, bool) {
	g := gates[f]
	j := g.v2
	if major >= 3 {
		j = g.v3
	}
	return j, j != 0
}

// Has reports whether firmware v has feature f.
func (v Version) Has(f Feature) bool {
	j, ok := f.need(v.Major)
	return ok && v.Major >= 2 && v.JTAG >= j
}

// ErrUnsupported is matched (errors.Is) by every FeatureError.
var ErrUnsupported = errors.New("not supported by this ST-Link firmware")

// FeatureError says an ability needs newer firmware than the probe has.
// Need and Have are in ST's notation ("V2J24", "V2J17"); Need is "" when no
// firmware of this hardware generation has the feature.
type FeatureError struct {
	Feature Feature
	Need    string
	Have    string
}

func (e *FeatureError) Error() string {
	if e.Need == "" {
		return fmt.Sprintf("stlink: %s is not available on this ST-Link hardware; this probe has %s", e.Feature, e.Have)
	}
	return fmt.Sprintf("stlink: %s needs ST-Link firmware %s or newer; this probe has %s", e.Feature, e.Need, e.Have)
}

func (e *FeatureError) Is(target error) bool { return target == ErrUnsupported }

// Require returns nil when v has f, else a *FeatureError.
func (v Version) Require(f Feature) error {
	if v.Has(f) {
		return nil
	}
	e := &FeatureError{Feature: f, Have: v.short()}
	if j, ok := f.need(v.Major); ok {
		e.Need = fmt.Sprintf("V%dJ%d", v.Major, j)
	}
	return e
}
