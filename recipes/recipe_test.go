package recipes

import (
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flashstation/flashstation/recipes/firmware"
)

// writeFirmware puts a small raw image beside the recipe and returns its
// canonical sha256 as a pin.
func writeFirmware(t *testing.T, dir string, size int, base uint32) string {
	t.Helper()
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7)
	}
	path := filepath.Join(dir, "fw.bin")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := firmware.Load(path, firmware.Options{Base: &base})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(img.SHA256[:])
}

func parseIn(t *testing.T, dir, text string) (*Recipe, error) {
	t.Helper()
	file := filepath.Join(dir, "r.toml")
	return Parse(file, []byte(text))
}

const goodF1 = `name = "bluepill"
[target]
family = "stm32f1"
variant = "stm32f103c8"

[firmware]
path = "fw.bin"
base = 0x08000000
sha256 = "PIN"

[serial]
format = "BP-%06d"
first = 1
address = 0x0800FC00

[[step]]
action = "read-id"

[[step]]
action = "unlock"
allow_erase = true

[[step]]
action = "program"
timeout = "2m"
retries = 1

[[step]]
action = "verify"

[[step]]
action = "write"
serial = true

[[step]]
action = "reset"
`

func TestParseGood(t *testing.T) {
	dir := t.TempDir()
	pin := writeFirmware(t, dir, 4096, 0x08000000)
	r, err := parseIn(t, dir, strings.Replace(goodF1, "PIN", pin, 1))
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "bluepill" || r.Target.Facts.Part != "STM32F103C8" || len(r.Steps) != 6 {
		t.Fatalf("recipe = %+v", r)
	}
	if r.Steps[2].Timeout != 2*time.Minute || r.Steps[2].Retries != 1 || r.Steps[2].Line != 23 {
		t.Errorf("program step = %+v", r.Steps[2])
	}
	if r.Steps[0].Timeout != defaultTimeout[ActReadID] {
		t.Errorf("default timeout not applied")
	}
	if r.Serial.Series != "bluepill" || FormatSerial(r.Serial, 42) != "BP-000042" {
		t.Errorf("serial = %+v", r.Serial)
	}
	if r.Firmware.Image == nil || r.Firmware.Image.Size != 4096 {
		t.Error("firmware not loaded")
	}
}

func TestParseProblems(t *testing.T) {
	dir := t.TempDir()
	pin := writeFirmware(t, dir, 4096, 0x08000000)
	good := strings.Replace(goodF1, "PIN", pin, 1)
	for _, tc := range []struct {
		name, from, to string
		want           []string
		pinBase        uint32 // when set, the firmware is rewritten for this base
	}{
		{"syntax", `name = "bluepill"`, `name = "bluepill`, []string{"r.toml:1:", "TOML syntax"}, 0},
		{"unknown top key", `name = "bluepill"`, "name = \"bluepill\"\ncolour = \"red\"", []string{"r.toml:2:1: colour: unknown key"}, 0},
		{"unknown variant", `variant = "stm32f103c8"`, `variant = "stm32f412"`, []string{`r.toml:4:1: target.variant: unknown chip variant "stm32f412"`}, 0},
		{"family mismatch", `family = "stm32f1"`, `family = "stm32f4"`, []string{`r.toml:3:1: target.family: "stm32f4" does not match variant stm32f103c8`}, 0},
		{"bad pin", pin, strings.Repeat("0", 64), []string{"r.toml:9:1: firmware.sha256: the firmware's sha256 is"}, 0},
		{"short pin", pin, "abc", []string{"firmware.sha256: must be 64 hex digits"}, 0},
		{"missing firmware", `path = "fw.bin"`, `path = "nope.bin"`, []string{"r.toml:7:1: firmware.path:", "nope.bin"}, 0},
		{"firmware is a device", `path = "fw.bin"`, `path = "/dev/zero"`, []string{"r.toml:7:1: firmware.path: firmware: /dev/zero: not a regular file (a character device)"}, 0},
		{"unlock without permission", "action = \"unlock\"\nallow_erase = true", `action = "unlock"`, []string{"r.toml:20:1: step[1].action: step 2 (unlock) removes readout protection, which mass-erases the chip: add allow_erase = true"}, 0},
		{"verify before program", "action = \"program\"\ntimeout", "action = \"verify\"\ntimeout", []string{"step 3 (verify) comes before any program step"}, 0},
		{"unknown action", `action = "read-id"`, `action = "flash-it"`, []string{`r.toml:17:1: step[0].action: unknown action "flash-it": known read-id`}, 0},
		{"bad timeout", `timeout = "2m"`, `timeout = "soon"`, []string{`r.toml:25:1: step[2].timeout: "soon" is not a duration`}, 0},
		{"retries range", `retries = 1`, `retries = 99`, []string{"step[2].retries: 99 is out of range 0..10"}, 0},
		{"retries type", `retries = 1`, `retries = "1"`, []string{"step[2].retries: must be a whole number, not a string"}, 0},
		{"field not for action", `action = "read-id"`, "action = \"read-id\"\nhalt = true", []string{"r.toml:18:1: step[0].halt: does not apply here"}, 0},
		{"unknown step field", `action = "read-id"`, "action = \"read-id\"\nspeed = 9", []string{"step[0].speed: unknown key (known here: action, timeout"}, 0},
		{"serial format", `format = "BP-%06d"`, `format = "BP-%s"`, []string{"serial.format:", "only %d, %x or %X"}, 0},
		{"serial unused", "action = \"write\"\nserial = true", "action = \"read-id\"", []string{"serial: the recipe defines [serial] but no step writes it"}, 0},
		{"image outside flash", `base = 0x08000000`, `base = 0x0800F800`, []string{"firmware.path: the image has 4096 bytes at 0x0800F800..0x080107FF, outside STM32F103C8 flash"}, 0x0800F800},
		{"write over image", `address = 0x0800FC00`, `address = 0x08000400`, []string{"step[4].address: step 5 (write) writes over bytes of the image at 0x08000400"}, 0},
		{"after lock", "action = \"verify\"", "action = \"lock\"\n[[step]]\naction = \"verify\"", []string{"step 5 (verify) comes after the lock in step 4"}, 0},
		{"no target", "[target]\nfamily = \"stm32f1\"\nvariant = \"stm32f103c8\"\n", "", []string{"target: is required"}, 0},
		{"no steps", good[strings.Index(good, "[[step]]"):], "", []string{"step: a recipe needs at least one [[step]]"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(good, tc.from, tc.to, 1)
			if tc.pinBase != 0 {
				dir := t.TempDir()
				text = strings.Replace(text, pin, writeFirmware(t, dir, 4096, tc.pinBase), 1)
				_, err := parseIn(t, dir, text)
				if err == nil || !strings.Contains(err.Error(), tc.want[0]) {
					t.Errorf("error %v\nwant it to contain %q", err, tc.want[0])
				}
				return
			}
			if text == good {
				t.Fatalf("replacement of %q changed nothing", tc.from)
			}
			_, err := parseIn(t, dir, text)
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("err = %v, want Problems", err)
			}
			msg := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q\nwant it to contain %q", msg, w)
				}
			}
		})
	}
}

func TestEveryProblemReported(t *testing.T) {
	dir := t.TempDir()
	text := `[target]
family = "stm32f1"
variant = "stm32f103c8"
[firmware]
path = "fw.bin"
sha256 = "zz"
[[step]]
action = "verify"
retries = -1
[[step]]
action = "mass-erase"
`
	_, err := parseIn(t, dir, text)
	var ps Problems
	if !errors.As(err, &ps) || len(ps) < 3 {
		t.Fatalf("got %v, want several problems", err)
	}
	for i := 1; i < len(ps); i++ {
		if ps[i].Line != 0 && ps[i].Line < ps[i-1].Line {
			t.Errorf("problems out of line order: %v", ps)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(goodF1))
	f.Add([]byte(twoImages))
	f.Add([]byte("[[image]]\nname = \"a\"\n[[image]]\nname = \"a\"\n[firmware]\n[[step]]\naction = \"program\"\nimage = \"b\"\n"))
	f.Add([]byte("[[step]]\naction = \"x\"\n[[step]]\n"))
	f.Add([]byte("a = \"\"\"\n[x]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		r, err := Parse(filepath.Join(dir, "f.toml"), data)
		if err == nil && r == nil {
			t.Fatal("nil recipe without an error")
		}
		var ps Problems
		if err != nil && !errors.As(err, &ps) {
			t.Fatalf("error is not Problems: %v", err)
		}
		for _, p := range ps {
			if p.Line < 0 || p.Msg == "" {
				t.Fatalf("bad problem %+v", p)
			}
		}
	})
}
