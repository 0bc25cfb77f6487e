package stlink

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeVersion(t *testing.T) {
	tests := []struct {
		name   string
		reply  []byte
		ex     []byte // GET_VERSION_EX reply for V3
		want   string
		jtag   uint8
		hasDAP bool
	}{
		{"V2 J17 S4", []byte{0x24, 0x44, 0x83, 0x04, 0x48, 0x37}, nil, "V2J17S4", 17, false},
		{"V2 J37 S7", []byte{0x29, 0x47, 0x83, 0x04, 0x48, 0x37}, nil, "V2J37S7", 37, true},
		{"V2-1 J40 M27", []byte{0x2a, 0x1b, 0x83, 0x04, 0x4b, 0x37}, nil, "V2J40M27", 40, true},
		{"V2-1 no-MSD J24 M11", []byte{0x26, 0x0b, 0x83, 0x04, 0x52, 0x37}, nil, "V2J24M11", 24, true},
		// STM8-only V2-1 firmware: x <= 22 and y == 7 means MxSy.
		{"V2-1 STM8 M22 S7", []byte{0x25, 0x87, 0x83, 0x04, 0x4b, 0x37}, nil, "V2M22S7", 0, false},
		{"V2-1 STM8 M25 S9", []byte{0x26, 0x49, 0x83, 0x04, 0x4b, 0x37}, nil, "V2M25S9", 0, false},
		// The same bits on a plain V2 are J and S.
		{"V2 J22 S7", []byte{0x25, 0x87, 0x83, 0x04, 0x48, 0x37}, nil, "V2J22S7", 22, false},
		{"V3 J7 M3", []byte{0x30, 0x00, 0x83, 0x04, 0x4f, 0x37},
			[]byte{0x03, 0x00, 0x07, 0x03, 0x00, 0, 0, 0, 0x83, 0x04, 0x4f, 0x37}, "V3J7M3", 7, true},
		{"V3 J7 M3 B3 S1", []byte{0x30, 0x00, 0x83, 0x04, 0x4e, 0x37},
			[]byte{0x03, 0x01, 0x07, 0x03, 0x03, 0, 0, 0, 0x83, 0x04, 0x4e, 0x37}, "V3J7M3B3S1", 7, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := decodeVersion(tc.reply)
			if err != nil {
				t.Fatal(err)
			}
			if tc.ex != nil {
				if v.Major != 3 {
					t.Fatalf("GET_VERSION major = %d, want 3", v.Major)
				}
				if v, err = decodeVersionEx(tc.ex); err != nil {
					t.Fatal(err)
				}
			}
			if got := v.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
			if v.JTAG != tc.jtag {
				t.Errorf("JTAG = %d, want %d", v.JTAG, tc.jtag)
			}
			if v.Has(FeatureDAPReg) != tc.hasDAP {
				t.Errorf("Has(DAP) = %v, want %v", v.Has(FeatureDAPReg), tc.hasDAP)
			}
		})
	}
}

func TestDecodeVersionErrors(t *testing.T) {
	tests := []struct {
		name  string
		ex    bool
		reply []byte
		want  string
	}{
		{"short", false, []byte{0x29, 0x47, 0x83}, "GET_VERSION reply is 3 bytes, want 6"},
		{"foreign vendor", false, []byte{0x29, 0x47, 0x28, 0x0d, 0x48, 0x37}, "vendor 0d28"},
		{"ex short", true, []byte{0x03, 0x00}, "GET_VERSION_EX reply is 2 bytes, want 12"},
		{"ex major 2", true, []byte{0x02, 0, 7, 3, 0, 0, 0, 0, 0x83, 0x04, 0x4f, 0x37}, "major version 2"},
		{"ex foreign vendor", true, []byte{0x03, 0, 7, 3, 0, 0, 0, 0, 0x66, 0x66, 0x4f, 0x37}, "vendor 6666"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.ex {
				_, err = decodeVersionEx(tc.reply)
			} else {
				_, err = decodeVersion(tc.reply)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "stlink: ") {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestFeatureGates(t *testing.T) {
	tests := []struct {
		v       Version
		f       Feature
		wantErr string // "" = supported
	}{
		{Version{Major: 2, JTAG: 17}, FeatureDAPReg, "stlink: DAP register access needs ST-Link firmware V2J24 or newer; this probe has V2J17"},
		{Version{Major: 2, JTAG: 24}, FeatureDAPReg, ""},
		{Version{Major: 2, JTAG: 12}, FeatureTargetVoltage, "stlink: target voltage measurement needs ST-Link firmware V2J13 or newer; this probe has V2J12"},
		{Version{Major: 2, JTAG: 13}, FeatureTargetVoltage, ""},
		{Version{Major: 2, JTAG: 14}, FeatureRWStatus2, "needs ST-Link firmware V2J15 or newer"},
		{Version{Major: 2, JTAG: 21}, FeatureSWDFreq, "needs ST-Link firmware V2J22 or newer"},
		{Version{Major: 2, JTAG: 25}, FeatureMem16, "stlink: 16-bit memory access needs ST-Link firmware V2J26 or newer; this probe has V2J25"},
		{Version{Major: 2, JTAG: 27}, FeatureInitAP, "needs ST-Link firmware V2J28"},
		{Version{Major: 2, JTAG: 31}, FeatureDPBankSel, "needs ST-Link firmware V2J32"},
		{Version{Major: 2, JTAG: 40}, FeatureRW8Large, "stlink: 512-byte 8-bit transfers is not available on this ST-Link hardware; this probe has V2J40"},
		{Version{Major: 3, JTAG: 1}, FeatureDPBankSel, "needs ST-Link firmware V3J2 or newer; this probe has V3J1"},
		{Version{Major: 3, JTAG: 5}, FeatureRW8Large, "needs ST-Link firmware V3J6"},
		{Version{Major: 3, JTAG: 6}, FeatureRW8Large, ""},
		{Version{Major: 3, JTAG: 1}, FeatureDAPReg, ""},
		{Version{Major: 4, JTAG: 1}, FeatureMem16, ""},
	}
	for _, tc := range tests {
		err := tc.v.Require(tc.f)
		if tc.wantErr == "" {
			if err != nil || !tc.v.Has(tc.f) {
				t.Errorf("%s Require(%s) = %v, want supported", tc.v.short(), tc.f, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s Require(%s) = %v, want %q", tc.v.short(), tc.f, err, tc.wantErr)
		}
		var fe *FeatureError
		if !errors.As(err, &fe) || fe.Feature != tc.f || !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s Require(%s) = %#v, want a *FeatureError matching ErrUnsupported", tc.v.short(), tc.f, err)
		}
	}
}

func TestKindForPID(t *testing.T) {
	for pid, want := range map[uint16]string{0x3748: "stlink-v2", 0x374b: "stlink-v21", 0x3752: "stlink-v21",
		0x374a: "stlink-v21", 0x374e: "stlink-v3", 0x374f: "stlink-v3", 0x3753: "stlink-v3", 0x3754: "stlink-v3",
		0x3757: "stlink-v3", 0x374d: "stlink-v3"} {
		if k, ok := KindForPID(pid); !ok || string(k) != want {
			t.Errorf("KindForPID(%04x) = %q, %v; want %q", pid, k, ok, want)
		}
	}
	for _, pid := range []uint16{0x3744, 0x0000, 0x3755, 0xffff} {
		if k, ok := KindForPID(pid); ok {
			t.Errorf("KindForPID(%04x) = %q, want none", pid, k)
		}
	}
}

func TestNormalizeSerial(t *testing.T) {
	raw := string([]byte{0x53, 0x3f, 0x6b, 0x06, 0x49, 0x75, 0x52, 0x49, 0x18, 0x50, 0x02, 0x67})
	runes := string([]rune{0x57, 0xFF, 0x72, 0x06, 0x72, 0x65, 0x57, 0x57, 0x42, 0x13, 0x20, 0x67})
	tests := []struct{ in, want string }{
		{raw, "533F6B064975524918500267"}, // st-info shows this unit as 533f6b06…
		{runes, "57FF72067265575742132067"},
		{"57FF72067265575742132067", "57FF72067265575742132067"},
		{" 0671FF3833554B3043164817\n", "0671FF3833554B3043164817"},
		{"ABCDEFGHIJKL", "ABCDEFGHIJKL"}, // printable twelve: a real serial
		{"", ""},
		{"\u0100\x01BCDEFGHIJK", "\u0100\x01BCDEFGHIJK"}, // a rune above 0xFF: not raw bytes
	}
	for _, tc := range tests {
		if got := NormalizeSerial(tc.in); got != tc.want {
			t.Errorf("NormalizeSerial(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
