package rp2040

import (
	"bytes"
	"errors"
	"testing"

	"github.com/flashstation/flashstation/drivers/sim/chip/w25q"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

const dataA = 0x20001000

func fill(t *testing.T, c *Chip, n int, seed byte) []byte {
	t.Helper()
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i)*7 + seed
	}
	copy(c.SRAM()[dataA-SRAMBase:], p)
	return p
}

func mustCall(t *testing.T, c *Chip, code string, args ...uint32) {
	t.Helper()
	if _, ok := call(t, c, 0, lookup(t, c, code), args...); !ok {
		t.Fatalf("%s did not return", code)
	}
}

func TestProgramAndReadBack(t *testing.T) {
	c := newChip(t, "")
	data := fill(t, c, 512, 1)
	c.Flash().Contents()[0x10] = 0 // something to erase
	mustCall(t, c, "IF")
	mustCall(t, c, "EX")
	if _, _, err := c.Bus(0).Read(XIPBase, 4); !errors.Is(err, hw.ErrBusFault) {
		t.Fatalf("XIP read after EX: %v, want a bus fault", err)
	}
	t0 := c.clk.Now()
	mustCall(t, c, "RE", 0, 0x2000, 1<<16, 0xD8)
	if d := c.clk.Now() - t0; d < 2*w25q.TimeSectorErase {
		t.Fatalf("two sector erases took %v", d)
	}
	t0 = c.clk.Now()
	mustCall(t, c, "RP", 0, dataA, 512)
	if d := c.clk.Now() - t0; d < 2*w25q.TimePageProgram {
		t.Fatalf("two page programs took %v", d)
	}
	mustCall(t, c, "FC")
	mustCall(t, c, "CX")
	b := c.Bus(0)
	for i := 0; i < 512; i += 4 {
		v, _, err := b.Read(XIPBase+uint32(i), 4)
		if err != nil {
			t.Fatal(err)
		}
		want := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		if v != want {
			t.Fatalf("XIP %#x = %#08x, want %#08x", i, v, want)
		}
	}
	// And by hand through the SSI with a 03h read after EX.
	mustCall(t, c, "EX")
	got := ssiCommand(t, c, append([]byte{0x03, 0, 0, 0}, make([]byte, 8)...))[4:]
	if !bytes.Equal(got, data[:8]) {
		t.Fatalf("03h read % X, want % X", got, data[:8])
	}
}

func TestXIPMissStalls(t *testing.T) {
	c := newChip(t, "")
	mustCall(t, c, "CX")
	b := c.Bus(0)
	_, s1, _ := b.Read(XIPBase+0x100, 4)
	_, s2, _ := b.Read(XIPBase+0x104, 4)
	_, s3, _ := b.Read(XIPBase+0x108, 4)
	if s1 == 0 || s2 != 0 || s3 == 0 {
		t.Fatalf("stalls %v %v %v: want miss, hit (same 8-byte line), miss", s1, s2, s3)
	}
}

func TestAlignmentAsTheBootromHandlesIt(t *testing.T) {
	cases := []struct {
		name  string
		code  string
		args  []uint32
		check func(m []byte) bool
	}{
		// Unaligned erase: the sector holding offs goes entirely, and the
		// bytes past the last whole step stay.
		{"RE unaligned offs", "RE", []uint32{0x100, 0x1000, 1 << 16, 0xD8}, func(m []byte) bool {
			return m[0] == 0xFF && m[0xFF] == 0xFF && m[0x1000] == 0 && m[0x10FF] == 0
		}},
		// A count that is not a sector multiple still erases a whole sector.
		{"RE short count", "RE", []uint32{0x2000, 0x10, 1 << 16, 0xD8}, func(m []byte) bool {
			return m[0x2000] == 0xFF && m[0x2FFF] == 0xFF && m[0x3000] == 0
		}},
		// An XIP address instead of an offset corrupts the opcode: nothing.
		{"RE XIP address", "RE", []uint32{XIPBase, 0x1000, 1 << 16, 0xD8}, func(m []byte) bool {
			return m[0] == 0 && m[0xFFF] == 0
		}},
	}
	for _, tc := range cases {
		c := newChip(t, "")
		clear(c.Flash().Contents()) // all zero: erased bytes show as 0xFF
		mustCall(t, c, "EX")
		mustCall(t, c, tc.code, tc.args...)
		if !tc.check(c.Flash().Contents()) {
			t.Errorf("%s: flash not as the bootrom would leave it", tc.name)
		}
	}

	pcases := []struct {
		name        string
		offs, count uint32
		want        func(m, d []byte) bool
	}{
		{"RP aligned", 0x300, 256, func(m, d []byte) bool { return bytes.Equal(m[0x300:0x400], d[:256]) }},
		{"RP unaligned wraps in page", 0x380, 256, func(m, d []byte) bool {
			return bytes.Equal(m[0x380:0x400], d[:128]) && bytes.Equal(m[0x300:0x380], d[128:256]) && m[0x400] == 0xFF
		}},
		{"RP count rounds up", 0x300, 100, func(m, d []byte) bool { return bytes.Equal(m[0x300:0x400], d[:256]) }},
	}
	for _, tc := range pcases {
		c := newChip(t, "")
		d := fill(t, c, 512, 9)
		mustCall(t, c, "EX")
		mustCall(t, c, "RP", tc.offs, dataA, tc.count)
		if !tc.want(c.Flash().Contents(), d) {
			t.Errorf("%s: flash not as the bootrom would leave it", tc.name)
		}
	}
}

// ssiCommand drives the flash by hand: OUTOVER low, bytes through DR0,
// OUTOVER high, like a host reading the unique ID.
func ssiCommand(t *testing.T, c *Chip, tx []byte) []byte {
	t.Helper()
	b := c.Bus(0)
	wr(t, b, 0x4001800C, 2<<8)
	rx := make([]byte, len(tx))
	for i, x := range tx {
		wr(t, b, SSIBase+0x60, uint32(x))
		if rd(t, b, SSIBase+0x24) != 1 {
			t.Fatal("RXFLR not 1 after one byte")
		}
		rx[i] = byte(rd(t, b, SSIBase+0x60))
	}
	wr(t, b, 0x4001800C, 3<<8)
	return rx
}

func TestUniqueIDThroughSSI(t *testing.T) {
	c := newChip(t, "")
	mustCall(t, c, "IF")
	mustCall(t, c, "EX")
	tx := append([]byte{0x4B, 0, 0, 0, 0}, make([]byte, 8)...)
	rx := ssiCommand(t, c, tx)
	var id uint64
	for _, x := range rx[5:] {
		id = id<<8 | uint64(x)
	}
	if id != c.Flash().UniqueID() || id == 0 {
		t.Fatalf("unique ID %016X, flash says %016X", id, c.Flash().UniqueID())
	}
	c2, _ := New(Config{Seed: 43})
	if c2.Flash().UniqueID() == id {
		t.Fatal("different seeds, same unique ID")
	}
	// Without the chip-select override the SSI drops /CS between bytes.
	b := c.Bus(0)
	wr(t, b, 0x4001800C, 0)
	for _, x := range tx {
		wr(t, b, SSIBase+0x60, uint32(x))
	}
	for range tx {
		if v := rd(t, b, SSIBase+0x60); v != 0xFF {
			t.Fatalf("auto chip select gave %#x, want 0xFF", v)
		}
	}
}

func TestRescueDP(t *testing.T) {
	c := newChip(t, "")
	rescue := c.DebugPorts()[2].OnCtrlStat
	rescue(0x50000000) // CDBGPWRUPREQ | CSYSPWRUPREQ
	if got := c.ChipReset(); got&psmRestartFlag == 0 || got&hadPSMRestart == 0 {
		t.Fatalf("CHIP_RESET %#08x while held", got)
	}
	if c.Core(0).Running() || c.Core(1).Running() {
		t.Fatal("cores run during the PSM restart")
	}
	rescue(0)
	if got := c.ChipReset(); got&psmRestartFlag != 0 || got&hadPSMRestart == 0 {
		t.Fatalf("CHIP_RESET %#08x after boot, want flag acknowledged, HAD_PSM_RESTART", got)
	}
	b := c.Bus(0)
	wr(t, b, dhcsr, 0xA05F0003)
	wr(t, b, dcrsr, 15)
	if pc := rd(t, b, dcrdr); pc != entry(fnDead) {
		t.Fatalf("core 0 at %#x, want parked in _dead %#x", pc, entry(fnDead))
	}
}

func TestBootFromValidBoot2(t *testing.T) {
	c := newChip(t, "")
	img := make([]byte, 0x108)
	for i := range 252 {
		img[i] = byte(i)
	}
	crc := crc32MPEG2(img[:252])
	img[252], img[253], img[254], img[255] = byte(crc), byte(crc>>8), byte(crc>>16), byte(crc>>24)
	copy(img[0x100:], []byte{0, 0x10, 0x04, 0x20, 0xF1, 0x01, 0x00, 0x10})
	c.Flash().Load(0, img)
	c.SetReset(true)
	c.SetReset(false)
	if c.ChipReset() != hadRun {
		t.Fatalf("CHIP_RESET %#x after RUN", c.ChipReset())
	}
	if v, _, err := c.Bus(0).Read(XIPBase+0x104, 4); err != nil || v != 0x100001F1 {
		t.Fatalf("XIP after boot: %#x %v", v, err)
	}
	wr(t, c.Bus(0), dhcsr, 0xA05F0003)
	wr(t, c.Bus(0), dcrsr, 15)
	if pc := rd(t, c.Bus(0), dcrdr); pc != 0x100001F0 {
		t.Fatalf("firmware PC %#x", pc)
	}
	c.SetPower(false)
	if c.Voltage() != 0 {
		t.Fatal("voltage with power off")
	}
	c.SetPower(true)
	if !bytes.Equal(c.Flash().Contents()[:0x108], img) {
		t.Fatal("flash lost over a power cycle")
	}
}
