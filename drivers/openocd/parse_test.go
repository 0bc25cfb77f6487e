package openocd

import (
	"bufio"
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/targets"
)

func TestParseVersion(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Version
		err  bool
	}{
		{"Open On-Chip Debugger 0.12.0\nLicensed under GNU GPL v2\n", Version{0, 12, 0}, false},
		{"Open On-Chip Debugger 0.12.0+dev-01234-gabcdef0 (2023-05-01-10:00)", Version{0, 12, 0}, false},
		{"xPack Open On-Chip Debugger 0.11.0+dev", Version{0, 11, 0}, false},
		{"Open On-Chip Debugger 1.0", Version{1, 0, 0}, false},
		{"openocd: command not found", Version{}, true},
		{"Open On-Chip Debugger v0.12", Version{}, true},
	} {
		got, err := parseVersion(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("parseVersion(%q) = %v, %v", tc.in, got, err)
		}
	}
	if !(Version{0, 11, 9}).Less(MinVersion) || MinVersion.Less(Version{0, 12, 0}) {
		t.Error("Less")
	}
}

func TestParseWords(t *testing.T) {
	got, err := parseWords("0x20036410 0xffffffff", 32)
	if err != nil || len(got) != 2 || got[0] != 0x20036410 || got[1] != 0xFFFFFFFF {
		t.Errorf("32-bit: %v %v", got, err)
	}
	if _, err := parseWords("0x1ff", 8); err == nil {
		t.Error("0x1ff accepted as a byte")
	}
	if _, err := parseWords("invalid command name", 32); err == nil {
		t.Error("an error text accepted as words")
	}
}

func TestParseLogLine(t *testing.T) {
	for _, tc := range []struct {
		in    string
		level slog.Level
		msg   string
	}{
		{"Error: timed out waiting for flash", slog.LevelError, "timed out waiting for flash"},
		{"Warn : no working area available", slog.LevelWarn, "no working area available"},
		{"Info : device id = 0x20036410\r", slog.LevelInfo, "device id = 0x20036410"},
		{"Debug: 123 status", slog.LevelDebug, "123 status"},
		{"** Programming Started **", slog.LevelInfo, "** Programming Started **"},
	} {
		l, m := parseLogLine(tc.in)
		if l != tc.level || m != tc.msg {
			t.Errorf("parseLogLine(%q) = %v %q", tc.in, l, m)
		}
	}
}

func TestParseDiffs(t *testing.T) {
	out := "diff 0 address 0x0800000a. Was 0x3c instead of 0xc3\n" +
		"diff 1 address 0x0800000b. Was 0x10 instead of 0x11\nNo more differences found."
	d, capped := parseDiffs(out)
	if capped || len(d) != 2 || d[0] != (diff{0x0800000A, 0x3C, 0xC3}) || d[1].Addr != 0x0800000B {
		t.Errorf("parseDiffs = %+v %v", d, capped)
	}
	if _, capped := parseDiffs(out + "\nMore than 128 errors, the rest are not printed."); !capped {
		t.Error("cap not seen")
	}
}

func FuzzParsers(f *testing.F) {
	f.Add("Open On-Chip Debugger 0.12.0")
	f.Add("diff 3 address 0x08000000. Was 0xff instead of 0x00")
	f.Add("0x1 0x2 0x3")
	f.Add("Error: x")
	f.Fuzz(func(t *testing.T, s string) {
		if v, err := parseVersion(s); err == nil && (v.Major < 0 || v.Minor < 0 || v.Patch < 0) {
			t.Fatalf("negative version %v", v)
		}
		for _, w := range []int{8, 16, 32} {
			if vals, err := parseWords(s, w); err == nil {
				for _, v := range vals {
					if v>>w != 0 {
						t.Fatalf("%d-bit parse gave 0x%X", w, v)
					}
				}
			}
		}
		parseLogLine(s)
		d, _ := parseDiffs(s)
		if len(d) > strings.Count(s, "diff") {
			t.Fatalf("%d diffs from %d lines", len(d), strings.Count(s, "diff"))
		}
		if frame, err := encodeCommand(s); err == nil && bytes.IndexByte(frame[:len(frame)-1], terminator) >= 0 {
			t.Fatal("terminator inside a frame")
		}
	})
}

// TestEncodeHex checks the records against the Intel HEX rules: checksums,
// extended linear addresses at 64 KiB boundaries, the end record.
func TestEncodeHex(t *testing.T) {
	data := testImage(3, 40)
	segs := []targets.Segment{{Addr: 0x0800FFF0, Data: data}, {Addr: 0x10001208, Data: []byte{0}}}
	got := map[uint32]byte{}
	upper := uint32(0)
	sc := bufio.NewScanner(bytes.NewReader(encodeHex(segs)))
	var end bool
	for sc.Scan() {
		line := sc.Text()
		var raw []byte
		for i := 1; i+1 < len(line); i += 2 {
			var b byte
			for _, c := range line[i : i+2] {
				b = b<<4 | byte(strings.IndexRune("0123456789ABCDEF", c))
			}
			raw = append(raw, b)
		}
		var sum byte
		for _, b := range raw {
			sum += b
		}
		if line[0] != ':' || sum != 0 || int(raw[0])+5 != len(raw) {
			t.Fatalf("bad record %q", line)
		}
		addr := uint32(raw[1])<<8 | uint32(raw[2])
		switch raw[3] {
		case 0:
			if addr+uint32(raw[0]) > 0x10000 {
				t.Fatalf("record crosses 64 KiB: %q", line)
			}
			for i, b := range raw[4 : 4+raw[0]] {
				got[upper|addr+uint32(i)] = b
			}
		case 4:
			upper = uint32(raw[4])<<24 | uint32(raw[5])<<16
		case 1:
			end = true
		}
	}
	if !end || len(got) != 41 || got[0x10001208] != 0 {
		t.Fatalf("decoded %d bytes, end %v", len(got), end)
	}
	for i, b := range data {
		if got[0x0800FFF0+uint32(i)] != b {
			t.Fatalf("byte %d differs", i)
		}
	}
}

func TestTclWordAndAdapters(t *testing.T) {
	for in, want := range map[string]string{"/tmp/a.hex": "/tmp/a.hex", "/tmp/x y.hex": "{/tmp/x y.hex}", "": "{}"} {
		if got, err := tclWord(in); err != nil || got != want {
			t.Errorf("tclWord(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := tclWord("a}b"); err == nil {
		t.Error("brace accepted")
	}
	a, err := JLinkAdapter("000260112233")
	if err != nil || a[1] != "adapter serial 260112233" {
		t.Errorf("JLinkAdapter = %v, %v", a, err)
	}
	if _, err := JLinkAdapter("ABC"); err == nil {
		t.Error("non-decimal J-Link serial accepted")
	}
	if c, err := TargetConfig("stm32f4"); err != nil || c != "target/stm32f4x.cfg" {
		t.Errorf("TargetConfig = %q %v", c, err)
	}
}
