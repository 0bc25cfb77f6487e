package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const fixtures = "../../recipes/firmware/testdata/"

// blinkySHA is the sha256 every format of the blinky fixture must report.
const blinkySHA = "2bd6099b8d4e4b3ab828a67ccde26f8f23c837c937b36bb824cfc9df96a8379a"

func runImage(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"image", "info"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestImageInfoText(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{fixtures + "blinky.elf"}, `file      ../../recipes/firmware/testdata/blinky.elf
format    elf
entry     0x08000043
family    -
size      220 bytes (0.21 KiB)
sha256    ` + blinkySHA + `
segments  1
  ADDRESS     END         SIZE
  0x08000000  0x080000DC  220 bytes (0.21 KiB)
`},
		{[]string{fixtures + "segment.hex"}, `file      ../../recipes/firmware/testdata/segment.hex
format    hex
entry     0x00010010
family    -
size      36 bytes (0.04 KiB)
sha256    bec9d49a605f2143e000ef4e2c57cf966a1e0ec8022e7c8b71a8b90953e0a8fb
segments  2
  ADDRESS     END         SIZE
  0x00008004  0x00008008  4 bytes (0.00 KiB)
  0x00010000  0x00010020  32 bytes (0.03 KiB)
`},
	}
	for _, tc := range tests {
		code, out, errs := runImage(t, tc.args...)
		if code != 0 || out != tc.want {
			t.Errorf("image info %v: exit %d, stderr %q\ngot:\n%s\nwant:\n%s", tc.args, code, errs, out, tc.want)
		}
	}
}

func TestImageInfoJSON(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--json", fixtures + "blinky.uf2"}, `{"file":"../../recipes/firmware/testdata/blinky.uf2","format":"uf2","entry":null,` +
			`"segments":[{"address":134217728,"size":220}],"size":220,"sha256":"` + blinkySHA + `","family":1467308631}`},
		{[]string{"--json", "--base", "0x08000000", fixtures + "blinky.bin"}, `{"file":"../../recipes/firmware/testdata/blinky.bin","format":"bin","entry":null,` +
			`"segments":[{"address":134217728,"size":220}],"size":220,"sha256":"` + blinkySHA + `","family":null}`},
		{[]string{"--json", "--base", "134217728", "--format", "bin", fixtures + "blinky.bin"}, `{"file":"../../recipes/firmware/testdata/blinky.bin","format":"bin","entry":null,` +
			`"segments":[{"address":134217728,"size":220}],"size":220,"sha256":"` + blinkySHA + `","family":null}`},
		{[]string{fixtures + "blinky.hex", "--json"}, `{"file":"../../recipes/firmware/testdata/blinky.hex","format":"hex","entry":134217795,` +
			`"segments":[{"address":134217728,"size":220}],"size":220,"sha256":"` + blinkySHA + `","family":null}`},
	}
	for _, tc := range tests {
		code, out, errs := runImage(t, tc.args...)
		var compact bytes.Buffer
		if err := json.Compact(&compact, []byte(out)); err != nil || code != 0 {
			t.Fatalf("%v: exit %d, stderr %q, stdout %q (%v)", tc.args, code, errs, out, err)
		}
		if compact.String() != tc.want {
			t.Errorf("%v:\ngot  %s\nwant %s", tc.args, compact.String(), tc.want)
		}
		// The contract: exactly these keys, in one document.
		var m map[string]any
		json.Unmarshal([]byte(out), &m)
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if got := strings.Join(keys, ","); got != "entry,family,file,format,segments,sha256,size" {
			t.Errorf("%v: keys %s", tc.args, got)
		}
	}
}

func TestImageInfoErrors(t *testing.T) {
	dir := t.TempDir()
	badHex := filepath.Join(dir, "bad.hex")
	os.WriteFile(badHex, []byte(":0100000001FE\n:0100000002FC\n:00000001FF\n"), 0o644)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no file", nil, "accepts 1 arg(s)"},
		{"missing file", []string{filepath.Join(dir, "nope.elf")}, "nope.elf: cannot read"},
		{"bad checksum", []string{badHex}, "firmware: " + badHex + ":2: checksum 0xFC, want 0xFD"},
		{"bin without base", []string{fixtures + "blinky.bin"}, "blinky.bin: raw binary needs a base address"},
		{"base on elf", []string{"--base", "0", fixtures + "blinky.elf"}, "a base address applies only to raw binaries"},
		{"bad base", []string{"--base", "0x1_0000", fixtures + "blinky.bin"}, `--base "0x1_0000": want a 32-bit address`},
		{"base too big", []string{"--base", "0x100000000", fixtures + "blinky.bin"}, `--base "0x100000000"`},
		{"negative base", []string{"--base", "-1", fixtures + "blinky.bin"}, `--base "-1"`},
		{"empty base", []string{"--base", "", fixtures + "blinky.bin"}, `--base ""`},
		{"bad format", []string{"--format", "srec", fixtures + "blinky.elf"}, `--format "srec": want bin, hex, elf, uf2 or auto`},
		{"wrong forced format", []string{"--format", "uf2", fixtures + "blinky.elf"}, "blinky.elf: block 0 (offset 0): bad magic at +0"},
		{"unknown flag", []string{"--bogus", fixtures + "blinky.elf"}, "unknown flag: --bogus"},
		{"a device", []string{"--base", "0", "/dev/zero"}, "/dev/zero: not a regular file (a character device)"},
		{"a directory", []string{dir}, "not a regular file (a directory)"},
		{"sparse 3 GB", []string{"--base", "0", sparse(t, dir, 3<<30)}, "3072 MiB is larger than any firmware file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runImage(t, tc.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, "flashstation: ") || !strings.Contains(errs, tc.want) {
				t.Errorf("stderr %q, want one line containing %q", errs, tc.want)
			}
		})
	}
}

// sparse makes a file of size bytes that holds no data blocks.
func sparse(t *testing.T, dir string, size int64) string {
	t.Helper()
	p := filepath.Join(dir, "sparse.bin")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, size); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseAddress(t *testing.T) {
	good := map[string]uint32{"0": 0, "010": 10, "0x08000000": 0x08000000, "0XfFfFfFfF": 0xFFFFFFFF, "4294967295": 0xFFFFFFFF}
	for in, want := range good {
		if got, err := parseAddress(in); err != nil || got != want {
			t.Errorf("parseAddress(%q) = 0x%X, %v; want 0x%X", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0x", "+1", "0b101", "0o7", "4294967296", "1e3", " 1"} {
		if _, err := parseAddress(in); err == nil {
			t.Errorf("parseAddress(%q) accepted", in)
		}
	}
}
