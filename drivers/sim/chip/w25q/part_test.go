package w25q

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/clock"
)

func new64(qe bool) (*Flash, *clock.Clock) {
	c := new(clock.Clock)
	return New(Config{Part: &W25Q64JV, QE: qe, Seed: 3, Clock: c}), c
}

func TestW25Q64JVIdentity(t *testing.T) {
	f, _ := new64(false)
	for _, tc := range []struct {
		name string
		tx   []byte
		want []byte
	}{
		{"jedec", []byte{CmdJEDECID, 0, 0, 0}, []byte{0xFF, 0xEF, 0x40, 0x17}},
		{"manuf/dev", []byte{CmdManufDevID, 0, 0, 0, 0, 0}, []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xEF, 0x16}},
		{"release id", []byte{CmdReleasePD, 0, 0, 0, 0, 0}, []byte{0xFF, 0xFF, 0xFF, 0xFF, 0x16, 0x16}},
		{"sfdp signature", []byte{CmdReadSFDP, 0, 0, 0, 0, 0, 0, 0, 0}, []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 'S', 'F', 'D', 'P'}},
		{"status 2 (QE 0, IQ part)", []byte{CmdReadStatus2, 0}, []byte{0xFF, 0x00}},
		{"status 3 (DRV 25%)", []byte{CmdReadStatus3, 0}, []byte{0xFF, 0x60}},
	} {
		if got := cmd(f, tc.tx...); !bytes.Equal(got, tc.want) {
			t.Errorf("%s: got % X, want % X", tc.name, got, tc.want)
		}
	}
	// The basic parameter table: pointer 0x80, density 64 Mbit - 1, 4 KiB erase by 20h.
	rx := cmd(f, append([]byte{CmdReadSFDP, 0, 0, 0x80, 0}, make([]byte, 36)...)...)[5:]
	if d1, d2 := binary.LittleEndian.Uint32(rx), binary.LittleEndian.Uint32(rx[4:]); d1&3 != 1 || d1>>8&0xFF != 0x20 || d2 != 64<<20-1 {
		t.Errorf("BFPT DWORD1 %08X DWORD2 %08X", d1, d2)
	}
	if d8 := binary.LittleEndian.Uint32(rx[28:]); d8 != 0x520F200C {
		t.Errorf("BFPT DWORD8 (erase types) %08X", d8)
	}
}

// 16 Mbit stays the default part: the RP2040's flash is unchanged.
func TestDefaultPartIsW25Q16JV(t *testing.T) {
	f, _ := newFlash(1)
	if f.Part().Name != "W25Q16JV" || len(f.Contents()) != 2<<20 {
		t.Fatalf("default part %s, %d bytes", f.Part().Name, len(f.Contents()))
	}
	rx := cmd(f, CmdReadSFDP, 0, 0, 0x84, 0, 0, 0, 0, 0)[5:]
	if binary.LittleEndian.Uint32(rx) != 16<<20-1 {
		t.Errorf("W25Q16JV density % X", rx)
	}
}

func TestStatusWrites(t *testing.T) {
	f, c := new64(false)
	cmd(f, CmdWriteStatus2, Status2QE) // no WEL: ignored
	if f.QuadEnabled() {
		t.Fatal("QE set without write enable")
	}
	cmd(f, CmdWriteEnable)
	cmd(f, CmdWriteStatus2, Status2QE)
	if f.Status()&StatusBusy == 0 {
		t.Fatal("a non-volatile status write is not busy")
	}
	if w := f.WaitIdle(); w != W25Q64JV.WriteStatus {
		t.Errorf("status write took %v, want tW %v", w, W25Q64JV.WriteStatus)
	}
	if !f.QuadEnabled() || f.Status()&StatusWEL != 0 {
		t.Errorf("after 31h: SR2 %02X SR1 %02X", f.Status2(), f.Status())
	}
	// 50h then 01h: volatile, immediate, no WEL needed; protect everything.
	at := c.Now()
	cmd(f, CmdVolatileSRWE)
	cmd(f, CmdWriteStatus1, 7<<2)
	if f.Status() != 7<<2 || c.Now() != at || f.Busy() {
		t.Fatalf("volatile write: SR1 %02X busy %v", f.Status(), f.Busy())
	}
	cmd(f, CmdWriteEnable)
	cmd(f, CmdSectorErase, 0, 0, 0)
	if f.Busy() {
		t.Error("an erase of a protected sector ran")
	}
	// BP=1, TB=0: the top 128 KiB only.
	cmd(f, CmdVolatileSRWE)
	cmd(f, CmdWriteStatus1, 1<<2)
	cmd(f, CmdWriteEnable)
	cmd(f, CmdSectorErase, 0x7E, 0, 0)
	if f.Busy() {
		t.Error("erase in the protected top 128 KiB ran")
	}
	cmd(f, CmdWriteEnable)
	cmd(f, CmdSectorErase, 0x7D, 0xF0, 0)
	if !f.Busy() {
		t.Error("erase below the protected area did not run")
	}
	f.WaitIdle()
	// SRL locks the registers.
	cmd(f, CmdVolatileSRWE)
	cmd(f, CmdWriteStatus2, Status2SRL|Status2QE)
	cmd(f, CmdVolatileSRWE)
	cmd(f, CmdWriteStatus1, 0)
	if f.Status() != 1<<2 {
		t.Errorf("SR1 written while SRL: %02X", f.Status())
	}
}

func TestPowerDown(t *testing.T) {
	f, _ := new64(false)
	cmd(f, CmdPowerDown)
	if got := cmd(f, CmdJEDECID, 0, 0, 0); !bytes.Equal(got, []byte{0xFF, 0xFF, 0xFF, 0xFF}) {
		t.Errorf("JEDEC ID answered in power-down: % X", got)
	}
	cmd(f, CmdReleasePD)
	if got := cmd(f, CmdJEDECID, 0, 0, 0); got[3] != 0x17 {
		t.Errorf("JEDEC ID after release: % X", got)
	}
}

func TestFramedReads(t *testing.T) {
	f, _ := new64(false)
	data := make([]byte, 64)
	for i := range data {
		data[i] = byte(i*29 + 3)
	}
	f.Load(0x1000, data)
	quad := Frame{Instruction: CmdFastReadQIO, InstrLines: 1, Address: 0x1000, AddrLines: 4, AddrBytes: 3,
		Alt: []byte{0xFF}, AltLines: 4, Dummy: 4, DataLines: 4}
	got := make([]byte, 16)
	f.Exec(quad, nil, got)
	if !bytes.Equal(got, bytes.Repeat([]byte{0xFF}, 16)) {
		t.Errorf("EBh with QE=0 answered % X", got)
	}
	f.sr2 |= Status2QE
	f.Exec(quad, nil, got)
	if !bytes.Equal(got, data[:16]) {
		t.Errorf("EBh read % X, want % X", got, data[:16])
	}
	// Two dummy clocks too many on four lines: one byte of data missed.
	q := quad
	q.Dummy = 6
	f.Exec(q, nil, got)
	if !bytes.Equal(got, data[1:17]) {
		t.Errorf("EBh with 8 wait clocks read % X, want % X", got, data[1:17])
	}
	// One clock too few: a nibble of undriven 1s first.
	q.Dummy = 3
	f.Exec(q, nil, got)
	if got[0] != 0xF0|data[0]>>4 || got[1] != data[0]<<4|data[1]>>4 {
		t.Errorf("EBh with 5 wait clocks read % X", got[:2])
	}
	// Address on one line for a 1-4-4 command: not decoded.
	q = quad
	q.AddrLines = 1
	f.Exec(q, nil, got)
	if got[0] != 0xFF || got[5] != 0xFF {
		t.Errorf("EBh with a 1-line address answered % X", got)
	}
	for _, fr := range []Frame{
		{Instruction: CmdFastReadQuad, InstrLines: 1, Address: 0x1000, AddrLines: 1, AddrBytes: 3, Dummy: 8, DataLines: 4},
		{Instruction: CmdFastReadDual, InstrLines: 1, Address: 0x1000, AddrLines: 1, AddrBytes: 3, Dummy: 8, DataLines: 2},
		{Instruction: CmdFastRead, InstrLines: 1, Address: 0x1000, AddrLines: 1, AddrBytes: 3, Dummy: 8, DataLines: 1},
		{Instruction: CmdReadData, InstrLines: 1, Address: 0x1000, AddrLines: 1, AddrBytes: 3, DataLines: 1},
	} {
		f.Exec(fr, nil, got)
		if !bytes.Equal(got, data[:16]) {
			t.Errorf("%02Xh read % X", fr.Instruction, got)
		}
	}
	jedec := make([]byte, 3)
	f.Exec(Frame{Instruction: CmdJEDECID, InstrLines: 1, DataLines: 1}, nil, jedec)
	if !bytes.Equal(jedec, []byte{0xEF, 0x40, 0x17}) {
		t.Errorf("framed 9Fh % X", jedec)
	}
}

func TestQuadPageProgramWrapsAndTimes(t *testing.T) {
	f, c := new64(true)
	f.Exec(Frame{Instruction: CmdWriteEnable, InstrLines: 1}, nil, nil)
	buf := make([]byte, 20)
	for i := range buf {
		buf[i] = byte(0xA0 + i)
	}
	start := c.Now()
	f.Exec(Frame{Instruction: CmdQuadPageProg, InstrLines: 1, Address: 0x20F0, AddrLines: 1, AddrBytes: 3, DataLines: 4}, buf, nil)
	if w := f.WaitIdle(); c.Now()-start != W25Q64JV.PageProgram || w != W25Q64JV.PageProgram {
		t.Errorf("page program took %v", c.Now()-start)
	}
	mem := f.Contents()
	if !bytes.Equal(mem[0x20F0:0x2100], buf[:16]) || !bytes.Equal(mem[0x2000:0x2004], buf[16:]) {
		t.Errorf("page wrap: end % X, start % X", mem[0x20F0:0x2100], mem[0x2000:0x2004])
	}
	cmd(f, CmdWriteEnable)
	cmd(f, CmdChipErase)
	if d := f.WaitIdle(); d != 20*time.Second {
		t.Errorf("W25Q64JV chip erase %v, want tCE 20 s", d)
	}
}
