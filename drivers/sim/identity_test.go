package sim_test

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/sim/chip/nrf52"
	"github.com/flashstation/flashstation/drivers/sim/chip/rp2040"
	"github.com/flashstation/flashstation/drivers/sim/chip/stm32f1"
	"github.com/flashstation/flashstation/drivers/sim/chip/stm32f4"
	"github.com/flashstation/flashstation/drivers/sim/chip/stm32h7"
	"github.com/flashstation/flashstation/drivers/sim/chip/w25q"
	"github.com/flashstation/flashstation/drivers/sim/cmsisdap"
	"github.com/flashstation/flashstation/drivers/sim/hw"
	"github.com/flashstation/flashstation/drivers/sim/jlink"
	"github.com/flashstation/flashstation/drivers/sim/stlink"
)

// TestIdentityTable checks that every identity value the simulator gives
// equals the value IDENTITY.md records with its real-part source, and that
// the table and the simulator list the same values: neither can drift.
func TestIdentityTable(t *testing.T) {
	table := readIdentityTable(t, "IDENTITY.md")
	got := simIdentities(t)
	for key, want := range table {
		v, ok := got[key]
		if !ok {
			t.Errorf("IDENTITY.md row %q: the simulator has no such value (remove the row or add it to simIdentities)", key)
			continue
		}
		if v != want {
			t.Errorf("%s: simulator gives %s, IDENTITY.md (real parts) says %s", key, v, want)
		}
	}
	for key, v := range got {
		if _, ok := table[key]; !ok {
			t.Errorf("%s = %s is not in IDENTITY.md: add it with its source", key, v)
		}
	}
	if len(table) < 60 {
		t.Errorf("IDENTITY.md has %d rows; the table lost rows", len(table))
	}
}

// rowRE matches a table row: | `key` | `value` | ...
var rowRE = regexp.MustCompile("^\\|\\s*`([^`]+)`\\s*\\|\\s*`([^`]*)`\\s*\\|")

func readIdentityTable(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		m := rowRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		if _, dup := rows[m[1]]; dup {
			t.Errorf("%s:%d: row %q appears twice", path, n, m[1])
		}
		rows[m[1]] = m[2]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

func hex32(v uint32) string { return fmt.Sprintf("0x%08X", v) }

// memAP reads words through a chip's MEM-AP as a debugger would.
type memAP struct {
	t   *testing.T
	bus hw.Bus
}

func (m memAP) r32(a uint32) uint32 {
	v, _, err := m.bus.Read(a, 4)
	if err != nil {
		m.t.Fatalf("read %#x: %v", a, err)
	}
	return v
}

// pidr is a component's 40-bit peripheral ID as OpenOCD prints it
// ("Peripheral ID 0x04001bb000"): PIDR4 then PIDR3..PIDR0.
func (m memAP) pidr(base uint32) string {
	v := uint64(m.r32(base+0xFD0)&0xFF) << 32
	for i := uint32(0); i < 4; i++ {
		v |= uint64(m.r32(base+0xFE0+4*i)&0xFF) << (8 * i)
	}
	return fmt.Sprintf("0x%010X", v)
}

// cidr is the 32-bit component ID (CIDR3..CIDR0), e.g. 0xB105900D.
func (m memAP) cidr(base uint32) string {
	var v uint32
	for i := uint32(0); i < 4; i++ {
		v |= (m.r32(base+0xFF0+4*i) & 0xFF) << (8 * i)
	}
	return hex32(v)
}

func simIdentities(t *testing.T) map[string]string {
	out := map[string]string{}
	put := func(k, v string) { out[k] = v }
	cortex := func(p string, m memAP, etm bool) {
		put(p+"/rom-table-pidr", m.pidr(0xE00FF000))
		put(p+"/scs-pidr", m.pidr(0xE000E000))
		put(p+"/dwt-pidr", m.pidr(0xE0001000))
		put(p+"/fpb-pidr", m.pidr(0xE0002000))
		put(p+"/itm-pidr", m.pidr(0xE0000000))
		put(p+"/tpiu-pidr", m.pidr(0xE0040000))
		put(p+"/tpiu-cidr", m.cidr(0xE0040000))
		put(p+"/rom-table-etm-entry", hex32(m.r32(0xE00FF014)))
		if etm {
			put(p+"/etm-pidr", m.pidr(0xE0041000))
		}
	}
	stm := func(p string, c hw.Chip, etm bool) memAP {
		dp := c.DebugPorts()[0]
		jt := c.JTAGChain()
		put(p+"/dpidr", hex32(dp.DPIDR))
		put(p+"/jtag-cpu-tap", hex32(jt[1].IDCODE))
		put(p+"/jtag-bs-tap", hex32(jt[0].IDCODE))
		put(p+"/ahb-ap-idr", hex32(dp.APs[0].Mem.IDR))
		m := memAP{t, dp.APs[0].Mem.Bus}
		put(p+"/cpuid", hex32(m.r32(0xE000ED00)))
		put(p+"/dbgmcu-idcode", hex32(m.r32(0xE0042000)))
		cortex(p, m, etm)
		return m
	}
	for _, tc := range []struct {
		name  string
		maker stm32f1.Maker
	}{{"stm32f103c8", stm32f1.MakerST}, {"gd32f103c8", stm32f1.MakerGD32}, {"cs32f103c8", stm32f1.MakerCS32}, {"apm32f103c8", stm32f1.MakerAPM32}} {
		c, err := stm32f1.New(stm32f1.Config{Variant: "stm32f103c8", Maker: tc.maker})
		if err != nil {
			t.Fatal(err)
		}
		m := stm(tc.name, c, false)
		put(tc.name+"/flash-size-word", hex32(m.r32(0x1FFFF7E0)))
	}
	f4, err := stm32f4.New(stm32f4.Config{Variant: "stm32f411ce"})
	if err != nil {
		t.Fatal(err)
	}
	m := stm("stm32f411ce", f4, true)
	put("stm32f411ce/flash-size", fmt.Sprintf("0x%04X", m.r32(0x1FFF7A20)>>16)) // u16 at 0x1FFF7A22

	h7Identities(t, put)

	n, err := nrf52.New(nrf52.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ndp := n.DebugPorts()[0]
	put("nrf52840/dpidr", hex32(ndp.DPIDR))
	put("nrf52840/ahb-ap-idr", hex32(ndp.APs[0].Mem.IDR))
	put("nrf52840/ctrl-ap-idr", hex32(ndp.APs[1].IDR))
	nm := memAP{t, ndp.APs[0].Mem.Bus}
	put("nrf52840/cpuid", hex32(nm.r32(0xE000ED00)))
	put("nrf52840/ficr-codepagesize", hex32(nm.r32(0x10000010)))
	put("nrf52840/ficr-codesize", hex32(nm.r32(0x10000014)))
	put("nrf52840/ficr-info-part", hex32(nm.r32(0x10000100)))
	put("nrf52840/ficr-info-variant", hex32(nm.r32(0x10000104)))
	put("nrf52840/ficr-info-package", hex32(nm.r32(0x10000108)))
	put("nrf52840/ficr-info-ram", hex32(nm.r32(0x1000010C)))
	put("nrf52840/ficr-info-flash", hex32(nm.r32(0x10000110)))
	cortex("nrf52840", nm, true)

	for _, rev := range []string{"B1", "B2"} {
		r, err := rp2040.New(rp2040.Config{Variant: rev})
		if err != nil {
			t.Fatal(err)
		}
		dps := r.DebugPorts()
		p := "rp2040-" + strings.ToLower(rev)
		rm := memAP{t, dps[0].APs[0].Mem.Bus}
		put(p+"/chip-id", hex32(rm.r32(0x40000000)))
		put(p+"/bootrom-magic-version", hex32(rm.r32(0x00000010))) // 'M', 'u', 1, ROM version
		if rev != "B2" {
			continue
		}
		for i, name := range []string{"core0", "core1", "rescue"} {
			put("rp2040/"+name+"-dpidr", hex32(dps[i].DPIDR))
			put("rp2040/"+name+"-targetsel", hex32(uint32(dps[i].Instance)<<28|dps[i].TargetID&0x0FFFFFFF))
		}
		put("rp2040/ahb-ap-idr", hex32(dps[0].APs[0].Mem.IDR))
		put("rp2040/cpuid", hex32(rm.r32(0xE000ED00)))
		put("rp2040/rom-table-pidr", rm.pidr(0xE00FF000))
		put("rp2040/scs-pidr", rm.pidr(0xE000E000))
		put("rp2040/dwt-pidr", rm.pidr(0xE0001000))
		put("rp2040/bpu-pidr", rm.pidr(0xE0002000))
	}

	desc := func(p string, d link.Device) {
		put(p+"/vid-pid", fmt.Sprintf("%04x:%04x", d.VID, d.PID))
		put(p+"/manufacturer", d.Manufacturer)
		put(p+"/product", d.Product)
	}
	for _, tc := range []struct {
		name string
		v    cmsisdap.Version
	}{{"cmsis-dap-v1", cmsisdap.V1}, {"cmsis-dap-v2", cmsisdap.V2}} {
		fw := cmsisdap.New(cmsisdap.Config{Version: tc.v, Serial: "X"})
		d := fw.Descriptor()
		desc(tc.name, d)
		for _, ifc := range d.Interfaces {
			if strings.Contains(ifc.Name, "CMSIS-DAP") {
				put(tc.name+"/interface", ifc.Name)
			}
		}
		for _, info := range []struct {
			id   byte
			name string
			bin  bool
		}{{0x01, "vendor", false}, {0x02, "product", false}, {0x04, "protocol", false}, {0x09, "firmware", false},
			{0xF0, "capabilities", true}, {0xFE, "packet-count", true}, {0xFF, "packet-size", true}} {
			fw.Out([]byte{0x00, info.id})
			r, ok := fw.In()
			if !ok || len(r) < 2 || int(r[1])+2 > len(r) {
				t.Fatalf("%s DAP_Info %#x: %x", tc.name, info.id, r)
			}
			v := r[2 : 2+r[1]]
			if info.bin {
				put(tc.name+"/dap-info-"+info.name, fmt.Sprintf("% X", v))
				continue
			}
			put(tc.name+"/dap-info-"+info.name, strings.TrimRight(string(v), "\x00"))
		}
	}
	for _, tc := range []struct {
		name  string
		model stlink.Model
	}{{"stlink-v2", stlink.V2}, {"stlink-v2-old", stlink.V2Old}, {"stlink-v21", stlink.V21}, {"stlink-v3", stlink.V3}} {
		fw := stlink.New(stlink.Config{Model: tc.model, Serial: "X"})
		desc(tc.name, fw.Descriptor())
		cmd := make([]byte, 16)
		cmd[0] = 0xF1 // GET_VERSION
		fw.Out(cmd)
		r, ok := fw.In()
		if !ok || len(r) < 6 {
			t.Fatalf("%s GET_VERSION: %x", tc.name, r)
		}
		put(tc.name+"/get-version", fmt.Sprintf("% X", r[:6]))
		if tc.model == stlink.V3 {
			cmd[0] = 0xFB // GET_VERSION_EX
			fw.Out(cmd)
			r, ok := fw.In()
			if !ok || len(r) < 12 {
				t.Fatalf("%s GET_VERSION_EX: %x", tc.name, r)
			}
			put(tc.name+"/get-version-ex", fmt.Sprintf("% X", r[:12]))
		}
	}
	desc("jlink", jlink.New("000801000001").Descriptor())
	return out
}

// h7Identities reads the STM32H750VB board's values: its DP and three
// APs, the ST and Cortex-M7 ROM tables and components, DBGMCU through the
// system bus, and the W25Q64JV's IDs through QUADSPI's flash model.
func h7Identities(t *testing.T, put func(k, v string)) {
	h, err := stm32h7.New(stm32h7.Config{Variant: "stm32h750vb"})
	if err != nil {
		t.Fatal(err)
	}
	dp := h.DebugPorts()[0]
	jt := h.JTAGChain()
	p := "stm32h750vb"
	put(p+"/dpidr", hex32(dp.DPIDR))
	put(p+"/dp-targetid", hex32(dp.TargetID))
	put(p+"/jtag-cpu-tap", hex32(jt[1].IDCODE))
	put(p+"/jtag-bs-tap", hex32(jt[0].IDCODE))
	for i, ap := range dp.APs {
		put(fmt.Sprintf("%s/ap%d-idr", p, i), hex32(ap.Mem.IDR))
	}
	put(p+"/ap0-base", hex32(dp.APs[0].Mem.BASE))
	m := memAP{t, dp.APs[0].Mem.Bus}
	put(p+"/cpuid", hex32(m.r32(0xE000ED00)))
	put(p+"/dbgmcu-idcode", hex32(m.r32(0x5C001000)))
	put(p+"/flash-size", fmt.Sprintf("0x%04X", m.r32(0x1FF1E880)&0xFFFF))
	put(p+"/st-rom-table-pidr", m.pidr(0xE00FE000))
	put(p+"/rom-table-pidr", m.pidr(0xE00FF000))
	put(p+"/scs-pidr", m.pidr(0xE000E000))
	put(p+"/dwt-pidr", m.pidr(0xE0001000))
	put(p+"/fpb-pidr", m.pidr(0xE0002000))
	put(p+"/itm-pidr", m.pidr(0xE0000000))
	put(p+"/etm-pidr", m.pidr(0xE0041000))
	put(p+"/cti-pidr", m.pidr(0xE0043000))
	put(p+"/rom-table-tpiu-entry", hex32(m.r32(0xE00FF010)))
	nor := h.NOR()
	id := make([]byte, 3)
	nor.Exec(w25q.Frame{Instruction: w25q.CmdJEDECID, InstrLines: 1, DataLines: 1}, nil, id)
	put("w25q64jv/jedec-id", fmt.Sprintf("% X", id))
	put("w25q64jv/device-id", fmt.Sprintf("0x%02X", nor.Part().DeviceID))
	bfpt := make([]byte, 8)
	nor.Exec(w25q.Frame{Instruction: w25q.CmdReadSFDP, InstrLines: 1, Address: 0x80, AddrLines: 1, AddrBytes: 3, Dummy: 8, DataLines: 1}, nil, bfpt)
	put("w25q64jv/sfdp-bfpt-dword1", hex32(uint32(bfpt[0])|uint32(bfpt[1])<<8|uint32(bfpt[2])<<16|uint32(bfpt[3])<<24))
	put("w25q64jv/sfdp-bfpt-dword2", hex32(uint32(bfpt[4])|uint32(bfpt[5])<<8|uint32(bfpt[6])<<16|uint32(bfpt[7])<<24))
}
