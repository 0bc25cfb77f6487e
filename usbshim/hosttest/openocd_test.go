package hosttest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// One OpenOCD 0.12 run per case, with its stock interface and target
// scripts: init, dap info (DAP-level adapters only), flash probe, the
// chip's unlock when it is locked, program with verify, reset. The work
// area is 0 until the simulated cores execute code.
func TestOpenOCD(t *testing.T) {
	openocd := require(t, "OPENOCD", "openocd", "openocd")
	const (
		cmsisBulk = "-f interface/cmsis-dap.cfg -c {cmsis_dap_backend usb_bulk} -c {transport select swd}"
		cmsisHID  = "-f interface/cmsis-dap.cfg -c {cmsis_dap_backend hid} -c {transport select swd}"
		hla       = "-f interface/stlink.cfg -c {transport select hla_swd}"
		// OpenOCD's st-link driver: ADIv5 DAP access over the ST-Link's
		// own DAP commands (batched 32-bit accesses as RW_MISC).
		dapdirect = "-f interface/stlink-dap.cfg -c {transport select dapdirect_swd}"
	)
	for _, tc := range []struct {
		name, spec, iface, target string
		dap                       bool   // the adapter offers DAP access: dap info works
		unlock                    string // OpenOCD's unlock for a locked chip, then a reset
		flashOff                  int    // where the image goes, from the flash base
		base                      uint32
		size                      int // image bytes (default 2048)
	}{
		{"cmsis-dap-v2:stm32f103c8", "cmsis-dap-v2:stm32f103c8", cmsisBulk, "stm32f1x.cfg", true, "", 0, 0x08000000, 0},
		{"cmsis-dap-v2:stm32f103c8+locked", "cmsis-dap-v2:stm32f103c8+locked", cmsisBulk, "stm32f1x.cfg", true, "stm32f1x unlock 0", 0, 0x08000000, 0},
		{"cmsis-dap-v1:stm32f411ce", "cmsis-dap-v1:stm32f411ce", cmsisHID, "stm32f4x.cfg", true, "", 0, 0x08000000, 0},
		{"cmsis-dap-v1:stm32f103c8+locked", "cmsis-dap-v1:stm32f103c8+locked", cmsisHID, "stm32f1x.cfg", true, "stm32f1x unlock 0", 0, 0x08000000, 0},
		{"cmsis-dap-v2:nrf52840", "cmsis-dap-v2:nrf52840", cmsisBulk, "nrf52.cfg", true, "", 0x1000, 0, 0},
		{"cmsis-dap-v1:nrf52840+approtect", "cmsis-dap-v1:nrf52840+approtect", cmsisHID, "nrf52.cfg", true, "nrf52_recover", 0x1000, 0, 0},
		{"stlink-v2:stm32f103c8 hla", "stlink-v2:stm32f103c8", hla, "stm32f1x.cfg", false, "", 0, 0x08000000, 0},
		{"stlink-v2:stm32f103c8+clone hla", "stlink-v2:stm32f103c8+clone", hla, "stm32f1x.cfg", false, "", 0, 0x08000000, 0},
		{"stlink-v21:stm32f103c8+locked hla", "stlink-v21:stm32f103c8+locked", hla, "stm32f1x.cfg", false, "stm32f1x unlock 0", 0, 0x08000000, 0},
		{"stlink-v3:stm32f411ce hla", "stlink-v3:stm32f411ce", hla, "stm32f4x.cfg", false, "", 0, 0x08000000, 0},
		// 6 KiB: OpenOCD verifies it with READMEM_32BIT commands that run
		// across the 4 KiB TAR auto-increment block.
		{"stlink-v21:stm32f103c8+locked dapdirect", "stlink-v21:stm32f103c8+locked", dapdirect, "stm32f1x.cfg", true, "stm32f1x unlock 0", 0, 0x08000000, 6144},
		{"stlink-v3:stm32f411ce dapdirect", "stlink-v3:stm32f411ce", dapdirect, "stm32f4x.cfg", true, "", 0, 0x08000000, 6144},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, tc.spec)
			size := tc.size
			if size == 0 {
				size = 2048
			}
			img := image(uint64(len(tc.name)), size)
			file := writeFile(t, "image.bin", img)
			script := []string{"init"}
			if tc.dap {
				script = append(script, "dap info")
			}
			if tc.unlock != "" {
				// OpenOCD's unlock commands want a halted core; the new
				// option bytes load on the reset after (RM0008 §2.5).
				// nrf52_recover works through the CTRL-AP and needs no core.
				if strings.HasPrefix(tc.unlock, "stm32") {
					script = append(script, "reset halt")
				}
				script = append(script, tc.unlock, "reset halt")
			}
			script = append(script, "flash probe 0",
				fmt.Sprintf("program %s 0x%08x verify reset", file, tc.base+uint32(tc.flashOff)), "shutdown")
			args := ocdArgs(tc.iface)
			args = append(args, "-c", "adapter serial "+s.serial(0), "-c", "set WORKAREASIZE 0")
			if strings.Contains(tc.spec, "+clone") {
				// A CS32F103-class clone answers with its own Cortex-M3 DP
				// IDCODE; stm32f1x.cfg expects ST's (0x1ba01477) unless told,
				// exactly as with the real clones.
				args = append(args, "-c", "set CPUTAPID 0x2ba01477")
			}
			args = append(args, "-f", "target/"+tc.target)
			for _, c := range script {
				args = append(args, "-c", c)
			}
			out, err := s.run(t, 3*time.Minute, openocd, args...)
			if err != nil || !strings.Contains(out, "** Verified OK **") {
				t.Fatalf("openocd %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			if tc.dap && !strings.Contains(out, "AP ID register") {
				t.Errorf("dap info printed no AP:\n%s", out)
			}
			got := s.flashOf(t, 0, tc.flashOff, len(img))
			if !bytes.Equal(got, img) {
				t.Errorf("the chip holds % x… after OpenOCD verified, want % x…", got[:16], img[:16])
			}
			sec, cmds := s.ev.modeled("")
			t.Logf("modeled %.3f s, %d probe commands", sec, cmds)
		})
	}
}

// ocdArgs splits an interface line into OpenOCD arguments, keeping {…}
// groups as one -c argument.
func ocdArgs(line string) []string {
	var out []string
	for rest := line; rest != ""; {
		rest = strings.TrimSpace(rest)
		if rest == "" {
			break
		}
		if strings.HasPrefix(rest, "{") {
			end := strings.IndexByte(rest, '}')
			out = append(out, rest[1:end])
			rest = rest[end+1:]
			continue
		}
		f, r, _ := strings.Cut(rest, " ")
		out = append(out, f)
		rest = r
	}
	return out
}
