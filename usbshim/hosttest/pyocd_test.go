package hosttest

import (
	"encoding/binary"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pyOCD 0.13 (Debian's python3-pyocd) over CMSIS-DAP v1. On Linux it
// reaches HID probes through pyusb, not hidapi (pyocd/probe/pydapaccess/
// interface/__init__.py: "Select hidapi for OS X and pyUSB for Linux"), so
// its path is pyusb's ctypes load of libusb-1.0.so.0 — the shim. It
// lists the CMSIS-DAP probes, then reads each chip's identity: the DP and
// AP ID registers it logs while connecting, the part's ID register and
// its factory unique ID, which must be what the simulated chip holds.
func TestPyOCD(t *testing.T) {
	tool := require(t, "PYOCD", "pyocd-tool", "python3-pyocd")
	s := startServer(t, "cmsis-dap-v1:nrf52840,cmsis-dap-v1:stm32f103c8,cmsis-dap-v1:stm32f411ce,cmsis-dap-v2:stm32f103c8")
	// Debian's Python tools run under Debian's Python (PROTOCOL.md).
	py := func(args ...string) (string, error) {
		return s.run(t, time.Minute, "/usr/bin/python3", append([]string{tool}, args...)...)
	}
	out, err := py("list")
	if err != nil {
		t.Fatalf("pyocd-tool list: %v\n%s", err, out)
	}
	for i := range s.fx.Slots {
		if !strings.Contains(out, "| "+s.serial(i)) {
			t.Errorf("pyocd-tool list does not show %s (%s):\n%s", s.serial(i), s.fx.Slots[i].Spec, out)
		}
	}

	f103 := s.fx.Slots[1].Board().(interface{ UID() [12]byte }).UID()
	f411 := s.fx.Slots[2].Board().(interface{ UID() [12]byte }).UID()
	nrfID := s.fx.Slots[0].Board().(interface{ DeviceID() uint64 }).DeviceID()
	for _, tc := range []struct {
		slot     int
		target   string // pyOCD 0.13 has no F411 target: the generic Cortex-M one
		dpidr    string
		idAddr   uint32
		idMask   uint32
		id       uint32
		uidAddr  uint32
		uidWords []uint32
	}{
		// nRF52840 PS v1.1 §4.4.1.8 FICR INFO.PART (0x10000100) = 0x52840;
		// DEVICEID[0..1] at 0x10000060.
		{0, "nrf52840", "0x2ba01477", 0x10000100, 0xFFFFFFFF, 0x52840, 0x10000060, []uint32{uint32(nrfID), uint32(nrfID >> 32)}},
		// RM0008 §31.6.1 DBGMCU_IDCODE (0xE0042000) DEV_ID 0x410; §30.2
		// unique ID at 0x1FFFF7E8.
		{1, "stm32f103rc", "0x1ba01477", 0xE0042000, 0xFFF, 0x410, 0x1FFFF7E8, words(f103)},
		// RM0383 §23.6.1 DEV_ID 0x431; §24.1 unique ID at 0x1FFF7A10.
		{2, "cortex_m", "0x2ba01477", 0xE0042000, 0xFFF, 0x431, 0x1FFF7A10, words(f411)},
	} {
		t.Run(s.fx.Slots[tc.slot].Spec.String(), func(t *testing.T) {
			out, err := py("-d", "info", "-b", s.serial(tc.slot), "-t", tc.target, "read32", fmt.Sprintf("0x%08x", tc.idAddr))
			if err != nil {
				t.Fatalf("pyocd-tool read32: %v\n%s", err, out)
			}
			if !strings.Contains(out, "DP IDR = "+tc.dpidr) {
				t.Errorf("pyOCD did not log DP IDR = %s:\n%s", tc.dpidr, out)
			}
			if got := readWords(t, out, tc.idAddr); len(got) != 1 || got[0]&tc.idMask != tc.id {
				t.Errorf("ID register 0x%08x reads %x through pyOCD, want 0x%x under 0x%x\n%s", tc.idAddr, got, tc.id, tc.idMask, out)
			}
			out, err = py("-b", s.serial(tc.slot), "-t", tc.target, "read32", fmt.Sprintf("0x%08x", tc.uidAddr), strconv.Itoa(4*len(tc.uidWords)))
			if err != nil {
				t.Fatalf("pyocd-tool read32: %v\n%s", err, out)
			}
			if got := readWords(t, out, tc.uidAddr); fmt.Sprint(got) != fmt.Sprint(tc.uidWords) {
				t.Errorf("unique ID at 0x%08x reads %x through pyOCD, the chip holds %x\n%s", tc.uidAddr, got, tc.uidWords, out)
			}
		})
	}
	sec, cmds := s.ev.modeled("")
	t.Logf("pyOCD list and 3 identities: modeled %.3f s, %d probe commands", sec, cmds)
}

func words(b [12]byte) []uint32 {
	return []uint32{binary.LittleEndian.Uint32(b[0:]), binary.LittleEndian.Uint32(b[4:]), binary.LittleEndian.Uint32(b[8:])}
}

// readWords picks the words pyocd-tool's read32 prints ("10000100:  00052840 ...").
func readWords(t *testing.T, out string, addr uint32) []uint32 {
	t.Helper()
	m := regexp.MustCompile(fmt.Sprintf(`(?mi)^%08x:\s+((?:[0-9a-f]{8}\s*)+)$`, addr)).FindStringSubmatch(out)
	if m == nil {
		return nil
	}
	var w []uint32
	for _, f := range strings.Fields(m[1]) {
		v, _ := strconv.ParseUint(f, 16, 32)
		w = append(w, uint32(v))
	}
	return w
}
