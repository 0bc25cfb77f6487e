package w25q

import (
	"bytes"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/fault"
)

// cmd runs one /CS-framed command and returns every byte the chip drove.
func cmd(f *Flash, tx ...byte) []byte {
	rx := make([]byte, len(tx))
	f.Select()
	for i, b := range tx {
		rx[i] = f.Transfer(b)
	}
	f.Deselect()
	return rx
}

func newFlash(seed uint64) (*Flash, *clock.Clock) {
	c := new(clock.Clock)
	return New(Config{Seed: seed, Clock: c}), c
}

func TestIdentity(t *testing.T) {
	f, _ := newFlash(1)
	cases := []struct {
		name string
		tx   []byte
		want []byte
	}{
		{"jedec", []byte{CmdJEDECID, 0, 0, 0}, []byte{0xFF, 0xEF, 0x40, 0x15}},
		{"manuf/dev A0=0", []byte{CmdManufDevID, 0, 0, 0, 0, 0}, []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xEF, 0x14}},
		{"manuf/dev A0=1", []byte{CmdManufDevID, 0, 0, 1, 0, 0}, []byte{0xFF, 0xFF, 0xFF, 0xFF, 0x14, 0xEF}},
		{"status idle", []byte{CmdReadStatus1, 0}, []byte{0xFF, 0x00}},
	}
	for _, tc := range cases {
		if got := cmd(f, tc.tx...); !bytes.Equal(got, tc.want) {
			t.Errorf("%s: got % X, want % X", tc.name, got, tc.want)
		}
	}
}

func TestUniqueIDStablePerSeed(t *testing.T) {
	read := func(seed uint64) []byte {
		f, _ := newFlash(seed)
		return cmd(f, CmdUniqueID, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)[5:]
	}
	a, b, c := read(7), read(7), read(8)
	if !bytes.Equal(a, b) || bytes.Equal(a, c) {
		t.Fatalf("seed 7: % X and % X, seed 8: % X", a, b, c)
	}
	f, _ := newFlash(7)
	var want [8]byte
	for i := range want {
		want[i] = byte(f.UniqueID() >> (56 - 8*i))
	}
	if !bytes.Equal(a, want[:]) {
		t.Fatalf("wire % X, UniqueID %016X", a, f.UniqueID())
	}
}

func TestProgramRules(t *testing.T) {
	cases := []struct {
		name    string
		wren    bool
		addr    uint32
		data    []byte
		preload []byte // at the page start
		check   uint32
		want    []byte
	}{
		{"needs WEL", false, 0x1000, []byte{0x12, 0x34}, nil, 0x1000, []byte{0xFF, 0xFF}},
		{"programs", true, 0x1000, []byte{0x12, 0x34}, nil, 0x1000, []byte{0x12, 0x34}},
		{"only 1 to 0", true, 0x2000, []byte{0xF0}, []byte{0x0F}, 0x2000, []byte{0x00}},
		{"wraps in page", true, 0x30FE, []byte{1, 2, 3, 4}, nil, 0x3000, []byte{3, 4}},
		{"wrap leaves next page", true, 0x30FE, []byte{1, 2, 3, 4}, nil, 0x3100, []byte{0xFF, 0xFF}},
	}
	for _, tc := range cases {
		f, c := newFlash(1)
		f.Load(tc.addr&^0xFF, tc.preload)
		if tc.wren {
			cmd(f, CmdWriteEnable)
		}
		tx := append([]byte{CmdPageProgram, byte(tc.addr >> 16), byte(tc.addr >> 8), byte(tc.addr)}, tc.data...)
		cmd(f, tx...)
		waited := f.WaitIdle()
		if tc.wren && waited != TimePageProgram {
			t.Errorf("%s: waited %v, want %v", tc.name, waited, TimePageProgram)
		}
		if !tc.wren && c.Now() != 0 {
			t.Errorf("%s: refused program took %v", tc.name, c.Now())
		}
		got := cmd(f, append([]byte{CmdReadData, byte(tc.check >> 16), byte(tc.check >> 8), byte(tc.check)}, make([]byte, len(tc.want))...)...)[4:]
		if !bytes.Equal(got, tc.want) {
			t.Errorf("%s: read % X, want % X", tc.name, got, tc.want)
		}
	}
}

func TestBusyBehaviour(t *testing.T) {
	f, c := newFlash(1)
	f.Load(0x5000, []byte{0xAA})
	cmd(f, CmdWriteEnable)
	if s := cmd(f, CmdReadStatus1, 0)[1]; s != StatusWEL {
		t.Fatalf("status after WREN %02X", s)
	}
	cmd(f, CmdSectorErase, 0x00, 0x50, 0x10) // any address inside the sector
	if s := cmd(f, CmdReadStatus1, 0, 0)[1:]; !bytes.Equal(s, []byte{3, 3}) {
		t.Fatalf("status while erasing % X, want 03 03", s)
	}
	// Everything but status is ignored while BUSY.
	if got := cmd(f, CmdJEDECID, 0, 0, 0); !bytes.Equal(got, []byte{0xFF, 0xFF, 0xFF, 0xFF}) {
		t.Fatalf("JEDEC while busy % X", got)
	}
	if got := cmd(f, CmdReadData, 0, 0x50, 0, 0); got[4] != 0xFF {
		t.Fatalf("read while busy %02X", got[4])
	}
	c.Advance(TimeSectorErase - time.Microsecond)
	if !f.Busy() {
		t.Fatal("erase ended early")
	}
	c.Advance(time.Microsecond)
	if s := cmd(f, CmdReadStatus1, 0)[1]; s != 0 {
		t.Fatalf("status after erase %02X, want 00 (WEL cleared)", s)
	}
	if f.Contents()[0x5000] != 0xFF {
		t.Fatal("sector not erased")
	}
}

func TestEraseSizesAndTimes(t *testing.T) {
	cases := []struct {
		name     string
		tx       []byte
		from, to uint32 // erased range
		time     time.Duration
	}{
		{"sector", []byte{CmdSectorErase, 0x12, 0x34, 0x56}, 0x123000, 0x124000, TimeSectorErase},
		{"block32", []byte{CmdBlock32Erase, 0x12, 0x34, 0x56}, 0x120000, 0x128000, TimeBlock32},
		{"block64", []byte{CmdBlock64Erase, 0x12, 0x34, 0x56}, 0x120000, 0x130000, TimeBlock64},
		{"chip C7", []byte{CmdChipErase}, 0, Size, TimeChipErase},
		{"chip 60", []byte{CmdChipErase2}, 0, Size, TimeChipErase},
		{"short address ignored", []byte{CmdSectorErase, 0x12, 0x34}, 0, 0, 0},
	}
	for _, tc := range cases {
		f, c := newFlash(1)
		for i := range f.Contents() {
			f.Contents()[i] = 0
		}
		cmd(f, CmdWriteEnable)
		cmd(f, tc.tx...)
		f.WaitIdle()
		if c.Now() != tc.time {
			t.Errorf("%s: took %v, want %v", tc.name, c.Now(), tc.time)
		}
		m := f.Contents()
		for _, a := range []uint32{tc.from - 1, tc.from, tc.to - 1, tc.to} {
			want := byte(0)
			if a >= tc.from && a < tc.to {
				want = 0xFF
			}
			if a < Size && m[a] != want {
				t.Errorf("%s: byte %#x = %02X, want %02X", tc.name, a, m[a], want)
			}
		}
	}
}

func TestFaults(t *testing.T) {
	c := new(clock.Clock)
	inj := fault.New(3)
	inj.AddBadCell(0x10000104)
	f := New(Config{Seed: 1, Clock: c, Faults: inj, CellBase: 0x10000000})
	cmd(f, CmdWriteEnable)
	cmd(f, CmdPageProgram, 0, 1, 0, 0, 1, 2, 3, 4, 5, 6, 7)
	f.WaitIdle()
	if got := f.Contents()[0x100:0x108]; !bytes.Equal(got, []byte{0, 1, 2, 3, 0xFF, 0xFF, 0xFF, 0xFF}) {
		t.Fatalf("bad cell: % X", got)
	}
	inj.SetRate(fault.EraseFail, 1)
	cmd(f, CmdWriteEnable)
	cmd(f, CmdSectorErase, 0, 0, 0)
	if f.WaitIdle() != TimeSectorErase || f.Contents()[0x100] != 0 {
		t.Fatal("failed erase should take its time and change nothing")
	}
	inj.SetRate(fault.ProgramFail, 1)
	cmd(f, CmdWriteEnable)
	cmd(f, CmdPageProgram, 0, 2, 0, 0x55)
	f.WaitIdle()
	if f.Contents()[0x200] != 0xFF {
		t.Fatal("failed program changed the array")
	}
}
