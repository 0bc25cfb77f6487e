package recipes

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/recipes/firmware"
	"github.com/flashstation/flashstation/targets"
)

// writeBin puts a raw image of size bytes named name in dir and returns
// its pin for base.
func writeBin(t *testing.T, dir, name string, size int, seed byte, base uint32) string {
	t.Helper()
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*13) ^ seed
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := firmware.Load(path, firmware.Options{Base: &base})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(img.SHA256[:])
}

// twoImages is an F411 recipe: a 6 KiB bootloader in sector 0 and a
// 40 KiB application from sector 5 (0x08020000, RM0383 Table 4).
const twoImages = `name = "boot-and-app"
[target]
family = "stm32f4"
variant = "stm32f411ce"

[[image]]
name = "boot"
path = "boot.bin"
base = 0x08000000
sha256 = "BOOTPIN"

[[image]]
name = "app"
path = "app.bin"
base = 0x08020000
sha256 = "APPPIN"

[[step]]
action = "read-id"

[[step]]
action = "program"
image = "boot"

[[step]]
action = "program"
image = "app"

[[step]]
action = "verify"
image = "boot"

[[step]]
action = "verify"
image = "app"
`

func twoImageDir(t *testing.T) (dir, text string) {
	t.Helper()
	dir = t.TempDir()
	boot := writeBin(t, dir, "boot.bin", 6<<10, 0x5A, 0x08000000)
	app := writeBin(t, dir, "app.bin", 40<<10, 0xA5, 0x08020000)
	return dir, strings.NewReplacer("BOOTPIN", boot, "APPPIN", app).Replace(twoImages)
}

func TestParseTwoImages(t *testing.T) {
	dir, text := twoImageDir(t)
	r, err := parseIn(t, dir, text)
	if err != nil {
		t.Fatal(err)
	}
	if !r.MultiImage() || len(r.Images) != 2 || r.Images[0].Name != "boot" || r.Images[1].Name != "app" {
		t.Fatalf("images = %+v", r.Images)
	}
	if r.Image("app").Image.Size != 40<<10 || r.Image("boot").Image.Segments[0].Address != 0x08000000 {
		t.Errorf("images not loaded: app %+v", r.Image("app").Image)
	}
	if r.Steps[2].Image != "app" || r.Steps[3].Image != "boot" {
		t.Errorf("steps = %+v", r.Steps)
	}
	fw, sums := r.ImageSums()
	if fw != "" || len(sums) != 2 || sums[1].Name != "app" || sums[1].SHA256 != hex.EncodeToString(r.Images[1].SHA256[:]) {
		t.Errorf("ImageSums = %q %+v", fw, sums)
	}
}

// Single-image recipes keep their record shape: firmware_sha256, no images.
func TestSingleImageSumsUnchanged(t *testing.T) {
	dir := t.TempDir()
	pin := writeFirmware(t, dir, 4096, 0x08000000)
	r, err := parseIn(t, dir, strings.Replace(goodF1, "PIN", pin, 1))
	if err != nil {
		t.Fatal(err)
	}
	fw, sums := r.ImageSums()
	if fw != pin || sums != nil || r.MultiImage() || r.Image("") != &r.Firmware {
		t.Errorf("ImageSums = %q %+v, want %s and none", fw, sums, pin)
	}
}

func TestParseImageProblems(t *testing.T) {
	dir, good := twoImageDir(t)
	for _, tc := range []struct {
		name, from, to, want string
	}{
		{"unknown image in a step", "image = \"app\"\n\n[[step]]\naction = \"verify\"", "image = \"ap\"\n\n[[step]]\naction = \"verify\"",
			`r.toml:27:1: step[2].image: step 3 (program): the recipe has no image named "ap" (its images: "boot", "app")`},
		{"step without an image", "action = \"program\"\nimage = \"boot\"", "action = \"program\"",
			`r.toml:22:1: step[1].action: step 2 (program): the recipe has 2 images; say which with image = (one of "boot", "app")`},
		{"duplicate name", `name = "app"`, `name = "boot"`, `r.toml:13:1: image[1].name: "boot" is already the name of image[0] (line 6)`},
		{"bad name", `name = "app"`, `name = "app one"`, `image[1].name: "app one": an image name is 1 to 32 letters`},
		{"overlap", "base = 0x08020000", "base = 0x08001000",
			`r.toml:14:1: image[1].path: image "app" has bytes at 0x08001000..0x080017FF, where image "boot" (line 6) has bytes too`},
		{"sha mismatch", "BOOTPIN", strings.Repeat("0", 64), `r.toml:10:1: image[0].sha256: the image "boot"'s sha256 is`},
		{"outside flash", "base = 0x08020000", "base = 0x0807F000", `image[1].path: the image "app" has 40960 bytes at 0x0807F000..0x08088FFF, outside STM32F411CE flash`},
		{"both forms", "[[image]]\nname = \"boot\"", "[firmware]\npath = \"boot.bin\"\nsha256 = \"x\"\n[[image]]\nname = \"boot\"",
			"firmware: a recipe takes either one [firmware] or [[image]] entries, not both"},
		{"unknown key", `name = "app"`, "name = \"app\"\naddress = 1", "image[1].address: unknown key (known here: name, path, format, base, sha256)"},
		{"no name", `name = "app"`, "", "image[1].name: is required"},
		{"verify before its program", "action = \"program\"\nimage = \"boot\"", "action = \"verify\"\nimage = \"boot\"\n\n[[step]]\naction = \"program\"\nimage = \"boot\"",
			`step[1].action: step 2 (verify) comes before the step that programs image "boot"`},
		{"programmed twice", "action = \"program\"\nimage = \"app\"", "action = \"program\"\nimage = \"boot\"", `step 3 (program): the image "boot" is already programmed by step 2`},
		{"image on read-id", "action = \"read-id\"", "action = \"read-id\"\nimage = \"boot\"", "step[0].image: does not apply here"},
		{"sector shared", "base = 0x08020000", "base = 0x08002000",
			`step[2].action: step 3 (program) erases the pages 0x08000000..0x0800BFFF before programming, losing the image "boot" step 2 programmed`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(good, tc.from, tc.to, 1)
			if tc.from == "BOOTPIN" {
				text = strings.Replace(good, good[strings.Index(good, "sha256 = ")+10:][:64], tc.to, 1)
			}
			if text == good {
				t.Fatalf("replacement of %q changed nothing", tc.from)
			}
			if tc.name == "overlap" || tc.name == "outside flash" || tc.name == "sector shared" {
				// The app's bytes move: pin them at the new base.
				base := map[string]uint32{"overlap": 0x08001000, "outside flash": 0x0807F000, "sector shared": 0x08002000}[tc.name]
				d2 := t.TempDir()
				boot := writeBin(t, d2, "boot.bin", 6<<10, 0x5A, 0x08000000)
				app := writeBin(t, d2, "app.bin", 40<<10, 0xA5, base)
				text = strings.NewReplacer("BOOTPIN", boot, "APPPIN", app).Replace(strings.Replace(twoImages, tc.from, tc.to, 1))
				_, err := parseIn(t, d2, text)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("error %v\nwant it to contain %q", err, tc.want)
				}
				return
			}
			_, err := parseIn(t, dir, text)
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("err = %v, want Problems", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

// A mass erase first lets two images share an erase unit: program then
// writes without erasing.
func TestSharedSectorAfterMassErase(t *testing.T) {
	d := t.TempDir()
	boot := writeBin(t, d, "boot.bin", 6<<10, 0x5A, 0x08000000)
	app := writeBin(t, d, "app.bin", 40<<10, 0xA5, 0x08002000)
	text := strings.NewReplacer("BOOTPIN", boot, "APPPIN", app, "base = 0x08020000", "base = 0x08002000",
		"action = \"read-id\"\n", "action = \"read-id\"\n[[step]]\naction = \"mass-erase\"\nallow_erase = true\n").Replace(twoImages)
	if _, err := parseIn(t, d, text); err != nil {
		t.Fatalf("images sharing a sector after a mass erase: %v", err)
	}
}

// Both images reach the chip, each verify checks its own, and the record
// holds one sha256 per image under step names that say which.
func TestRunTwoImagesOnSimulatedF411(t *testing.T) {
	dir, text := twoImageDir(t)
	r, err := parseIn(t, dir, text)
	if err != nil {
		t.Fatal(err)
	}
	sess := simSession(t, "cmsis-dap-v2:stm32f411ce", "stm32f411ce")
	store := testStore(t)
	a, err := (&Run{Recipe: r, Session: sess, Store: store}).Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a.Result != jobs.Pass {
		t.Fatalf("attempt %s at %s: %s", a.Result, a.FailedStep, a.Error)
	}
	var names []string
	for _, s := range a.Steps {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != "read-id,program boot,program app,verify boot,verify app" {
		t.Errorf("step names %s", got)
	}
	got, err := store.Get(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Images) != 2 || got.Images[0].SHA256 != hex.EncodeToString(r.Images[0].SHA256[:]) || got.FirmwareSHA256 != "" {
		t.Errorf("record images %+v firmware %q", got.Images, got.FirmwareSHA256)
	}
	for _, f := range r.Images {
		seg := f.Image.Segments[0]
		back := make([]byte, len(seg.Data))
		if err := sess.(targets.Reader).ReadMemory(context.Background(), seg.Address, back, nil); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(back, seg.Data) {
			t.Errorf("image %q is not in flash at 0x%08X", f.Name, seg.Address)
		}
	}
}
