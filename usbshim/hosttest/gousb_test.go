package hosttest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Our own factory-floor path: flashstation built as it ships, its gousb
// transport (drivers/usb) and discovery (drivers/discover) on a real
// libusb API — the shim — against the simulated probes, with no --sim.

// everyKind is one probe of every kind, two clone ST-Links sharing one
// serial (told apart only by port), and a J-Link.
const everyKind = "cmsis-dap-v1:stm32f103c8,cmsis-dap-v2:stm32f411ce,stlink-v2:stm32f103c8,stlink-v2-old:stm32f411ce," +
	"stlink-v21:stm32f103c8+locked,stlink-v3:stm32f411ce,cmsis-dap-v2:nrf52840,cmsis-dap-v2:rp2040," +
	"2*stlink-v2:stm32f103c8+cs32+serial=" + cloneSerial + ",jlink:stm32f103c8"

// cloneSerial is what both clone probes report.
const cloneSerial = "55FF6B065177495619420887"

type probeJSON struct {
	Probes []struct {
		Kind, Serial, Port, VID, PID, Firmware string
		Voltage                                *float64 `json:"target_voltage"`
		DPIDR                                  *uint32
		Notes                                  []string
		Error                                  string
	}
}

// `flashstation probes` over USB/IP answers as it does over the in-process
// simulated bus for the same fixture: kind, port, VID:PID, firmware,
// target voltage, DPIDR and notes; serials are the fixture's (the old
// ST-Link's 12 binary bytes as 24 hex digits); the clones say to select
// them by port.
func TestOurProbesOverUSBIP(t *testing.T) {
	bin := ourCLI(t)
	s := startServer(t, everyKind)
	var out, errOut bytes.Buffer
	if err := s.runTo(t, time.Minute, &out, &errOut, nil, bin, "probes", "--json"); err != nil {
		t.Fatalf("flashstation probes: %v\n%s%s", err, out.String(), errOut.String())
	}
	var got, want probeJSON
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("probes --json: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := s.runTo(t, time.Minute, &out, &errOut, nil, bin, "probes", "--json", "--sim", everyKind); err != nil {
		t.Fatalf("flashstation probes --sim: %v\n%s", err, errOut.String())
	}
	if err := json.Unmarshal(out.Bytes(), &want); err != nil {
		t.Fatal(err)
	}
	if len(got.Probes) != len(s.fx.Slots) || len(want.Probes) != len(s.fx.Slots) {
		t.Fatalf("listed %d probes over USB/IP and %d in process, want %d:\n%+v", len(got.Probes), len(want.Probes), len(s.fx.Slots), got)
	}
	devs := s.srv.State()
	for i, g := range got.Probes {
		w := want.Probes[i]
		serial := s.serial(i)
		if strings.HasPrefix(s.fx.Slots[i].Spec.String(), "stlink-v2-old") {
			serial = strings.ToUpper(hex.EncodeToString(latin1(serial)))
		}
		if g.Serial != serial || g.Port != "usb:"+devs[i].BusID {
			t.Errorf("probe %d (%s): serial %q at %s, want %q at usb:%s", i, s.fx.Slots[i].Spec, g.Serial, g.Port, serial, devs[i].BusID)
		}
		if g.Error != "" {
			t.Errorf("probe %d (%s): %s", i, s.fx.Slots[i].Spec, g.Error)
		}
		gn, wn := strings.Join(g.Notes, "; "), strings.Join(w.Notes, "; ")
		if g.Kind != w.Kind || g.VID != w.VID || g.PID != w.PID || g.Firmware != w.Firmware ||
			fmt.Sprint(deref(g.Voltage)) != fmt.Sprint(deref(w.Voltage)) || fmt.Sprint(deref(g.DPIDR)) != fmt.Sprint(deref(w.DPIDR)) ||
			(strings.Contains(gn, "serial") != strings.Contains(wn, "serial")) {
			t.Errorf("probe %d (%s) over USB/IP: %+v\nin process: %+v", i, s.fx.Slots[i].Spec, g, w)
		}
	}
	for _, i := range []int{8, 9} {
		if n := strings.Join(got.Probes[i].Notes, "; "); !strings.Contains(n, "select by port "+got.Probes[i].Port) {
			t.Errorf("clone %d: notes %q do not say to select it by port", i, n)
		}
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// latin1 turns a string of runes below 0x100 back into its bytes.
func latin1(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r))
	}
	return b
}

// smallRecipe writes a recipe that programs img at base and checks it.
func smallRecipe(t *testing.T, family, variant string, base uint32, img []byte, steps ...string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "image.bin"), img, 0o644); err != nil {
		t.Fatal(err)
	}
	// The image's sha256 as recipes/firmware pins it: of the segment
	// (u32 BE address, u32 BE length, bytes).
	h := sha256.New()
	h.Write(binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, base), uint32(len(img))))
	h.Write(img)
	sum := h.Sum(nil)
	var b strings.Builder
	fmt.Fprintf(&b, "name = \"usbip-%s\"\n[target]\nfamily = %q\nvariant = %q\n", variant, family, variant)
	fmt.Fprintf(&b, "[firmware]\npath = \"image.bin\"\nbase = 0x%08X\nsha256 = \"%x\"\n", base, sum)
	for _, s := range steps {
		fmt.Fprintf(&b, "[[step]]\naction = %q\n", s)
		switch s {
		case "unlock":
			b.WriteString("allow_erase = true\nif_locked = true\n")
		case "mass-erase":
			b.WriteString("allow_erase = true\n")
		}
	}
	p := filepath.Join(dir, "recipe.toml")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// `flashstation flash --probe SELECTOR` over USB/IP on every probe kind
// our native drivers speak, selected by serial, VID:PID:SERIAL and port
// (the clones, whose serial matches two probes, only by port): the
// attempt passes and the chip then holds the image. LIBUSB_DEBUG=1 makes
// libusb (and the shim) report a device closed with transfers still in
// flight; there must be none.
func TestOurFlashOverUSBIP(t *testing.T) {
	bin := ourCLI(t)
	s := startServer(t, everyKind)
	devs := s.srv.State()
	type target struct {
		family, variant string
		base            uint32
		off             int // of base in the chip's flash array
	}
	f1 := target{"stm32f1", "stm32f103c8", 0x08000000, 0}
	f4 := target{"stm32f4", "stm32f411ce", 0x08000000, 0}
	for _, tc := range []struct {
		slot     int
		selector string
		chip     target
	}{
		{0, "%serial", f1},
		{1, "1fc9:0143:%serial", f4},
		{2, "0483:3748:%serial", f1},
		{3, "%port", f4}, // V2J17: binary serial, 32-bit writes only (F4 programs by words)
		{4, "%serial", f1},
		{5, "%serial", f4},
		{6, "%serial", target{"nrf52", "nrf52840", 0x1000, 0x1000}},
		{7, "%serial", target{"rp2040", "rp2040", 0x10000000, 0}},
		{8, "%port", f1},
		{9, "%port", f1},
	} {
		sel := strings.NewReplacer("%serial", s.serial(tc.slot), "%port", "usb:"+devs[tc.slot].BusID).Replace(tc.selector)
		t.Run(fmt.Sprintf("%s/%s", s.fx.Slots[tc.slot].Spec, sel), func(t *testing.T) {
			img := image(uint64(tc.slot), 1024)
			recipe := smallRecipe(t, tc.chip.family, tc.chip.variant, tc.chip.base, img, "read-id", "unlock", "program", "verify", "reset")
			var out, errOut bytes.Buffer
			err := s.runTo(t, time.Minute, &out, &errOut, []string{"LIBUSB_DEBUG=1", "FLASHSTATION_DB=" + filepath.Join(t.TempDir(), "a.db")},
				bin, "flash", "--probe", sel, "--recipe", recipe)
			if err != nil {
				t.Fatalf("flashstation flash --probe %s: %v\n%s%s", sel, err, out.String(), errOut.String())
			}
			if strings.Contains(errOut.String(), "transfer was still being processed") {
				t.Errorf("a USB device was closed with transfers in flight:\n%s", errOut.String())
			}
			if got := s.flashOf(t, tc.slot, tc.chip.off, len(img)); !bytes.Equal(got, img) {
				t.Errorf("the chip holds % x… after a passing attempt, want % x…", got[:16], img[:16])
			}
		})
	}
	// The clones' serial names two probes: refused, naming both ports.
	out, err := s.run(t, time.Minute, bin, "flash", "--probe", cloneSerial, "--recipe", smallRecipe(t, "stm32f1", "stm32f103c8", 0x08000000, image(1, 64), "read-id"))
	if err == nil || !strings.Contains(out, "2 probes match "+cloneSerial) || !strings.Contains(out, "usb:"+devs[8].BusID) || !strings.Contains(out, "usb:"+devs[9].BusID) {
		t.Errorf("flash --probe %s with two probes of that serial: %v\n%s", cloneSerial, err, out)
	}
}
