package recipes

import (
	"context"
	"encoding/hex"
	"errors"
	"github.com/flashstation/flashstation/recipes/firmware"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/drivers/discover"
	"github.com/flashstation/flashstation/drivers/sim"
	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/facts"
	"github.com/flashstation/flashstation/targets/native"
	_ "github.com/flashstation/flashstation/targets/native/all"
)

// f1Recipe builds a recipe for a 2100-byte raw image at base with the given steps.
func f1Recipe(t *testing.T, base uint32, size int, extra, steps string) (*Recipe, error) {
	t.Helper()
	dir := t.TempDir()
	pin := writeFirmware(t, dir, size, base)
	text := "name = \"rv\"\n[target]\nfamily = \"stm32f1\"\nvariant = \"stm32f103c8\"\n[firmware]\npath = \"fw.bin\"\n" +
		"base = " + hexU32(base) + "\nsha256 = \"" + pin + "\"\n" + extra + steps
	return parseIn(t, dir, text)
}

func hexU32(v uint32) string {
	return "0x" + strings.ToUpper(strings.TrimLeft(strings.Repeat("0", 8)+uitoa(v), ""))
}
func uitoa(v uint32) string {
	const d = "0123456789ABCDEF"
	s := ""
	for i := 0; i < 8; i++ {
		s = string(d[v&0xF]) + s
		v >>= 4
	}
	return s
}

func simSession(t *testing.T, spec, variant string) targets.Session {
	t.Helper()
	ctx := context.Background()
	fx, err := sim.New(spec, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	found, err := discover.Scan(ctx, fx.Bus)
	if err != nil || len(found) != 1 {
		t.Fatalf("scan: %v", err)
	}
	p, err := discover.Open(ctx, fx.Bus, found[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	v, _ := facts.Lookup(variant)
	s, err := native.OpenWith(ctx, p, v, native.Options{ClockHz: 4_000_000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// An erase range that is not whole pages is refused at validation (the
// board would refuse it mid-attempt).
func TestEraseUnalignedRefused(t *testing.T) {
	_, err := f1Recipe(t, 0x08000000, 2048, "", "[[step]]\naction = \"erase\"\nallow_erase = true\naddress = 0x0800F010\nsize = 16\n[[step]]\naction = \"program\"\n")
	if err == nil || !strings.Contains(err.Error(), "step[0].address") {
		t.Fatalf("unaligned erase passed validation: %v", err)
	}
}

// A write placed in a page the image shares, before program: program
// erases the page, so the written bytes would be lost while the attempt
// passes. Validation refuses the order and says what to do.
func TestWriteBeforeProgramInASharedPageIsRefused(t *testing.T) {
	steps := "[[step]]\naction = \"write\"\ntext = \"CAL=42\"\naddress = 0x08000BF0\n" +
		"[[step]]\naction = \"program\"\n[[step]]\naction = \"verify\"\n"
	_, err := f1Recipe(t, 0x08000000, 2100, "", steps)
	if err == nil || !strings.Contains(err.Error(), "step[1].action") || !strings.Contains(err.Error(), "write after program") {
		t.Fatalf("write before program in a shared page: %v", err)
	}
	// In a page of its own, before program, it is fine.
	steps = strings.Replace(steps, "0x08000BF0", "0x0800FC00", 1)
	if _, err := f1Recipe(t, 0x08000000, 2100, "", steps); err != nil {
		t.Fatalf("write in a page the image does not touch: %v", err)
	}
}

// A u32le serial whose first number does not fit 32 bits is refused.
func TestSerialU32FirstTooLargeIsRefused(t *testing.T) {
	_, err := f1Recipe(t, 0x08000000, 2048, "[serial]\nformat = \"%d\"\nencoding = \"u32le\"\nfirst = 5000000000\naddress = 0x0800FC00\n",
		"[[step]]\naction = \"program\"\n[[step]]\naction = \"write\"\nserial = true\n")
	if err == nil {
		t.Fatal("u32le serial with first = 5000000000 passed validation; every attempt will fail at the write step")
	}
}

// An ASCII serial that grows wider than the width validated for the first
// number must fail its write, not spill past its field (here into the image).
func TestSerialOutgrowingItsFieldFailsTheWrite(t *testing.T) {
	r, err := f1Recipe(t, 0x08000400, 1024, "[serial]\nformat = \"%d\"\nfirst = 9\naddress = 0x080003FF\n",
		"[[step]]\naction = \"program\"\n[[step]]\naction = \"write\"\nserial = true\n")
	if err != nil {
		t.Fatalf("validation: %v", err)
	}
	store := testStore(t)
	for i := 0; i < 2; i++ {
		sess := newFakeSession()
		a, _ := (&Run{Recipe: r, Session: sess, Store: store}).Execute(context.Background())
		if i == 1 {
			img0 := r.Firmware.Image.Segments[0].Data[0]
			if a.Result == jobs.Pass && sess.flash[0x08000400] != img0 {
				t.Errorf("serial 10 written as %q over the image's first byte (now %q, image has 0x%02X); attempt %s",
					flashBytes(sess, 0x080003FF, 2), sess.flash[0x08000400], img0, a.Result)
			}
		}
	}
}

// A program retry after a mass-erase erases again: the failed try may have
// written part of the image.
func TestProgramRetryErasesAgain(t *testing.T) {
	r, err := f1Recipe(t, 0x08000000, 2048, "", "[[step]]\naction = \"mass-erase\"\nallow_erase = true\n[[step]]\naction = \"program\"\nretries = 1\n")
	if err != nil {
		t.Fatal(err)
	}
	sess := newFakeSession()
	sess.fail["program"] = []error{errors.New("PGERR after 1 KiB")}
	(&Run{Recipe: r, Session: sess}).Execute(context.Background())
	calls := strings.Join(sess.calls, ",")
	if !strings.Contains(calls, "program skip=true,program,program skip=false") {
		t.Errorf("retry after a failed (possibly partial) program must erase again; calls: %s", calls)
	}
}

// A serial series name longer than the store allows is refused.
func TestSeriesNameTooLongIsRefused(t *testing.T) {
	r, err := f1Recipe(t, 0x08000000, 2048, "[serial]\nformat = \"SN%06d\"\nseries = \""+strings.Repeat("s", 65)+"\"\nfirst = 1\naddress = 0x0800FC00\n",
		"[[step]]\naction = \"program\"\n[[step]]\naction = \"write\"\nserial = true\n")
	if err == nil {
		a, _ := (&Run{Recipe: r, Session: newFakeSession(), Store: testStore(t)}).Execute(context.Background())
		t.Fatalf("passed validation; attempt: %s at %s: %s", a.Result, a.FailedStep, a.Error)
	}
}

// Erase and write placement problems are reported even while the firmware
// pin is wrong: `recipe check` reports every problem.
func TestPlacementCheckedDespiteABadPin(t *testing.T) {
	dir := t.TempDir()
	writeFirmware(t, dir, 2048, 0x08000000)
	text := "[target]\nfamily = \"stm32f1\"\nvariant = \"stm32f103c8\"\n[firmware]\npath = \"fw.bin\"\nbase = 0x08000000\nsha256 = \"" +
		strings.Repeat("00", 32) + "\"\n[[step]]\naction = \"erase\"\nallow_erase = true\naddress = 0x09000000\nsize = 1024\n" +
		"[[step]]\naction = \"write\"\nhex = \"AA\"\naddress = 0x30000000\n"
	_, err := parseIn(t, dir, text)
	if err == nil || !strings.Contains(err.Error(), "step[0].address") || !strings.Contains(err.Error(), "step[1].address") {
		t.Errorf("want the sha256, erase and write problems all reported; got:\n%v", err)
	}
}

// Erasing the whole nRF52 UICR (which the nrf52 target supports) passes.
func TestWholeUICREraseIsAccepted(t *testing.T) {
	dir := t.TempDir()
	pin := writeFirmware(t, dir, 4096, 0)
	text := "[target]\nfamily = \"nrf52\"\nvariant = \"nrf52840\"\n[firmware]\npath = \"fw.bin\"\nbase = 0\nsha256 = \"" + pin +
		"\"\n[[step]]\naction = \"erase\"\nallow_erase = true\naddress = 0x10001000\nsize = 0x1000\n[[step]]\naction = \"program\"\n"
	if _, err := parseIn(t, dir, text); err != nil {
		t.Errorf("UICR erase refused: %v", err)
	}
}

// A `base` given for a HEX file is blamed on firmware.base.
func TestBaseOnHexNamesFirmwareBase(t *testing.T) {
	_, err := Load("examples/nrf52840-bootloader.toml")
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	text := "[target]\nfamily = \"nrf52\"\nvariant = \"nrf52840\"\n[firmware]\npath = \"" + mustAbs(t, "examples/firmware/nrf52840-bootloader.hex") +
		"\"\nbase = 0\nsha256 = \"" + strings.Repeat("00", 32) + "\"\n[[step]]\naction = \"program\"\n"
	_, err = parseIn(t, dir, text)
	var ps Problems
	errors.As(err, &ps)
	for _, p := range ps {
		if strings.Contains(p.Msg, "base address applies only") && p.Field != "firmware.base" {
			t.Errorf("problem names field %q (line %d), want firmware.base: %v", p.Field, p.Line, p)
		}
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// A UF2 built for another chip family (RP2350 ARM, 0xE48BFF59) at RP2040
// flash addresses is refused by an rp2040 recipe.
func TestUF2OfAnotherFamilyIsRefused(t *testing.T) {
	dir := t.TempDir()
	data := make([]byte, 512)
	for i := range data {
		data[i] = byte(i)
	}
	img, err := firmware.Parse("x.bin", data, firmware.Options{Base: u32p(0x10000000)})
	if err != nil {
		t.Fatal(err)
	}
	uf2, err := firmware.EncodeUF2(img, 0xE48BFF59, 256)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "fw.uf2"), uf2, 0o644); err != nil {
		t.Fatal(err)
	}
	text := "[target]\nfamily = \"rp2040\"\nvariant = \"rp2040\"\n[firmware]\npath = \"fw.uf2\"\nsha256 = \"" +
		hex.EncodeToString(img.SHA256[:]) + "\"\n[[step]]\naction = \"program\"\n"
	if _, err := parseIn(t, dir, text); err == nil {
		t.Error("an RP2350 (family 0xE48BFF59) UF2 passed validation for an RP2040 recipe")
	}
}

func u32p(v uint32) *uint32 { return &v }

// Two write steps on the same bytes (here: serial = true twice) are
// refused: on the board the second finds the flash already written.
func TestTwoWritesOnTheSameBytesAreRefused(t *testing.T) {
	_, err := f1Recipe(t, 0x08000000, 2048, "[serial]\nformat = \"SN%06d\"\nfirst = 1\naddress = 0x0800FC00\n",
		"[[step]]\naction = \"program\"\n[[step]]\naction = \"write\"\nserial = true\n[[step]]\naction = \"write\"\nserial = true\n")
	if err == nil || !strings.Contains(err.Error(), "step[2].address") || !strings.Contains(err.Error(), "step 2 wrote") {
		t.Fatalf("two serial writes: %v", err)
	}
}
