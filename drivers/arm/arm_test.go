package arm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers"
)

func TestInitDP(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	dpidr, err := InitDP(ctx, f)
	if err != nil || dpidr != 0x2BA01477 {
		t.Fatalf("InitDP = %08x, %v", dpidr, err)
	}
	if f.ctrlstat != 0xF0000000 {
		t.Errorf("CTRL/STAT %08x, want power-up requested and acknowledged", f.ctrlstat)
	}
	f = newFake()
	f.noPowerAck = true
	_, err = InitDP(ctx, f)
	if err == nil || !strings.Contains(err.Error(), "never showed CDBGPWRUPACK|CSYSPWRUPACK") || !errors.Is(err, drivers.ErrPollTimeout) {
		t.Fatalf("InitDP without ACK = %v", err)
	}
	f = newFake()
	f.dpidr = 0
	if _, err := InitDP(ctx, f); err == nil {
		t.Fatal("InitDP accepted DPIDR 0")
	}
}

func TestFindAPs(t *testing.T) {
	f := newFake()
	f.idrs = []uint32{0x24770011, 0x14770015, 0}
	aps, err := FindAPs(context.Background(), f)
	if err != nil || len(aps) != 2 {
		t.Fatalf("FindAPs = %+v, %v", aps, err)
	}
	if !aps[0].IsMemAP() || aps[0].TARWindow() != 4096 || aps[1].TARWindow() != 1024 {
		t.Errorf("AP 0 %+v: MEM-AP %v window %d", aps[0], aps[0].IsMemAP(), aps[0].TARWindow())
	}
}

func TestMemoryRoundTrip(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		addr uint32
		n    int
	}{
		{"one word", 0x20000000, 1},
		{"short run", 0x20000010, 5},
		{"across 1 KiB", 0x200003F0, 40},
		{"several windows", 0x20000004, 700},
	}
	for _, tt := range tests {
		for _, runs := range []bool{false, true} {
			name := tt.name
			if runs {
				name += "/block runs"
			}
			t.Run(name, func(t *testing.T) {
				f := newFake()
				var dap drivers.DAPAccess = f
				if runs {
					dap = &runFake{fakeDAP: f}
				}
				m, err := NewMemAP(dap, 0, MemAPOptions{})
				if err != nil {
					t.Fatal(err)
				}
				words := make([]uint32, tt.n)
				for i := range words {
					words[i] = 0x11000000 + uint32(i)*0x01010101
				}
				if err := m.WriteMemory32(ctx, tt.addr, words); err != nil {
					t.Fatal(err)
				}
				// Check the bytes landed at the right addresses, independently.
				for i, w := range words {
					if got := f.load32(tt.addr + uint32(4*i)); got != w {
						t.Fatalf("word %d at %08x = %08x, want %08x", i, tt.addr+uint32(4*i), got, w)
					}
				}
				back := make([]uint32, tt.n)
				if err := m.ReadMemory32(ctx, tt.addr, back); err != nil {
					t.Fatal(err)
				}
				for i := range back {
					if back[i] != words[i] {
						t.Fatalf("read back word %d = %08x, want %08x", i, back[i], words[i])
					}
				}
			})
		}
	}
}

func TestMemory8And16Lanes(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	m, _ := NewMemAP(f, 0, MemAPOptions{})
	src := []byte{0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x07}
	if err := m.WriteMemory8(ctx, 0x200003FD, src); err != nil {
		t.Fatal(err)
	}
	for i, b := range src {
		if got := f.mem[0x200003FD+uint32(i)]; got != b {
			t.Fatalf("byte %d = %02x, want %02x", i, got, b)
		}
	}
	got := make([]byte, len(src))
	if err := m.ReadMemory8(ctx, 0x200003FD, got); err != nil || !bytes.Equal(got, src) {
		t.Fatalf("ReadMemory8 = % x, %v", got, err)
	}
	h := []uint16{0x1234, 0x5678, 0x9ABC}
	if err := m.WriteMemory16(ctx, 0x20000102, h); err != nil {
		t.Fatal(err)
	}
	if f.mem[0x20000102] != 0x34 || f.mem[0x20000103] != 0x12 || f.mem[0x20000104] != 0x78 {
		t.Fatalf("halfwords landed wrong: % x", []byte{f.mem[0x20000102], f.mem[0x20000103], f.mem[0x20000104]})
	}
	hb := make([]uint16, 3)
	if err := m.ReadMemory16(ctx, 0x20000102, hb); err != nil || hb[0] != 0x1234 || hb[2] != 0x9ABC {
		t.Fatalf("ReadMemory16 = %x, %v", hb, err)
	}
}

func TestMemoryErrors(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	m, _ := NewMemAP(f, 0, MemAPOptions{})
	if err := m.ReadMemory32(ctx, 0x20000002, make([]uint32, 1)); err == nil || !strings.Contains(err.Error(), "0x20000002 is not aligned to 4") {
		t.Errorf("unaligned 32-bit read: %v", err)
	}
	if err := m.WriteMemory16(ctx, 0x20000001, []uint16{1}); err == nil {
		t.Error("unaligned 16-bit write accepted")
	}
	f.faultAt = 0x40000000
	err := m.WriteMemory32(ctx, 0x40000000, []uint32{1})
	if err == nil || !strings.Contains(err.Error(), "arm: memory write at 0x40000000 (AP 0)") {
		t.Errorf("fault: %v", err)
	}
	if _, err := NewMemAP(f, 0, MemAPOptions{TARWindow: 1000}); err == nil {
		t.Error("TAR window 1000 accepted")
	}
}

func TestMemoryBatchesSmallRuns(t *testing.T) {
	f := newFake()
	m, _ := NewMemAP(f, 0, MemAPOptions{})
	ctx := context.Background()
	if err := m.ReadMemory32(ctx, 0x20000000, make([]uint32, 2)); err != nil {
		t.Fatal(err)
	}
	if f.batches != 1 || f.blocks != 0 {
		t.Errorf("short read took %d batches, %d blocks; want one batch", f.batches, f.blocks)
	}
	if err := m.ReadMemory32(ctx, 0x20000000, make([]uint32, 512)); err != nil {
		t.Fatal(err)
	}
	// 2 KiB from a window boundary: two runs, CSW already cached.
	if f.batches != 3 || f.blocks != 2 || f.tarWrites != 3 {
		t.Errorf("2 KiB read: %d batches, %d blocks, %d TAR writes", f.batches, f.blocks, f.tarWrites)
	}
}

// TestMemoryBlockRuns: through a BlockRunner a transfer is one run per
// TAR window, each set up by its own TAR write, CSW only first and only
// when it changes; one call when the start is window-aligned, the first
// window alone otherwise (a failing later set-up leaves words going where
// the first window wrapped TAR: before the range). A failure names the
// window's address.
func TestMemoryBlockRuns(t *testing.T) {
	ctx := context.Background()
	f := &runFake{fakeDAP: newFake()}
	m, _ := NewMemAP(f, 0, MemAPOptions{})
	tarW := func(a uint32) drivers.DAPOp { return drivers.DAPOp{AP: true, Addr: TAR, Write: true, Value: a} }
	cswW := drivers.DAPOp{AP: true, Addr: CSW, Write: true, Value: DefaultCSW | cswSize32 | cswAddrInc}
	tests := []struct {
		name    string
		addr    uint32
		n       int
		calls   int
		setups  [][]drivers.DAPOp
		lengths string
	}{
		{"unaligned", 0x200003F8, 300, 2, [][]drivers.DAPOp{{cswW, tarW(0x200003F8)}, {tarW(0x20000400)}, {tarW(0x20000800)}}, "[2 256 42]"},
		{"aligned, CSW cached", 0x20000400, 600, 1, [][]drivers.DAPOp{{tarW(0x20000400)}, {tarW(0x20000800)}, {tarW(0x20000C00)}}, "[256 256 88]"},
		{"unaligned, one window", 0x20000010, 4, 1, [][]drivers.DAPOp{{tarW(0x20000010)}}, "[4]"},
	}
	for _, tt := range tests {
		f.calls, f.setups, f.lengths = 0, nil, nil
		if err := m.WriteMemory32(ctx, tt.addr, make([]uint32, tt.n)); err != nil {
			t.Fatal(err)
		}
		if f.calls != tt.calls || fmt.Sprint(f.setups) != fmt.Sprint(tt.setups) || fmt.Sprint(f.lengths) != tt.lengths {
			t.Errorf("%s: %d calls, set-ups %v, runs %v; want %d, %v, %s",
				tt.name, f.calls, f.setups, f.lengths, tt.calls, tt.setups, tt.lengths)
		}
	}
	f.faultAt = 0x40000400
	err := m.WriteMemory32(ctx, 0x40000000, make([]uint32, 300))
	if err == nil || !strings.Contains(err.Error(), "arm: memory write at 0x40000400 (AP 0)") {
		t.Fatalf("fault in the second window: %v", err)
	}
	f.faultAt = 0x40000800
	err = m.WriteMemory32(ctx, 0x400003F0, make([]uint32, 300))
	if err == nil || !strings.Contains(err.Error(), "arm: memory write at 0x40000800 (AP 0)") {
		t.Fatalf("fault in the third window of an unaligned write: %v", err)
	}
	// After a failure CSW is written again.
	f.faultAt, f.setups = 0, nil
	if err := m.WriteMemory32(ctx, 0x20000000, make([]uint32, 1)); err != nil {
		t.Fatal(err)
	}
	if len(f.setups) != 1 || len(f.setups[0]) != 2 || f.setups[0][0].Addr != CSW {
		t.Fatalf("after a failure: set-ups %v; want CSW then TAR", f.setups)
	}
}

func TestPollMemory32(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	m, _ := NewMemAP(f, 0, MemAPOptions{})
	reads := 0
	f.onRead[0x40022000] = func() {
		reads++
		if reads == 7 {
			f.store32(0x40022000, 0x20) // EOP appears after a few polls
		}
	}
	f.store32(0x40022000, 0x01)
	v, err := m.PollMemory32(ctx, 0x40022000, 0x20, 0x20, 0)
	if err != nil || v != 0x20 {
		t.Fatalf("PollMemory32 = %x, %v", v, err)
	}
	tctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	v, err = m.PollMemory32(tctx, 0x40022004, 1, 1, 0)
	if !errors.Is(err, context.DeadlineExceeded) || v != 0 {
		t.Fatalf("PollMemory32 never matching = %x, %v", v, err)
	}
}

func TestCore(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	m, _ := NewMemAP(f, 0, MemAPOptions{})
	c := NewCore(m)
	if err := c.Halt(ctx); err != nil || !f.core.halted {
		t.Fatalf("Halt: %v, halted %v", err, f.core.halted)
	}
	if h, err := c.IsHalted(ctx); err != nil || !h {
		t.Fatalf("IsHalted = %v, %v", h, err)
	}
	if err := c.WriteCoreReg(ctx, drivers.RegPC, 0x08000421); err != nil || f.core.regs[15] != 0x08000421 {
		t.Fatalf("WriteCoreReg: %v, PC %08x", err, f.core.regs[15])
	}
	f.core.regs[13] = 0x20005000
	if v, err := c.ReadCoreReg(ctx, drivers.RegSP); err != nil || v != 0x20005000 {
		t.Fatalf("ReadCoreReg SP = %08x, %v", v, err)
	}
	if err := c.Resume(ctx); err != nil || f.core.halted {
		t.Fatalf("Resume: %v, halted %v", err, f.core.halted)
	}
	f.core.demcr = 1 << 24 // TRCENA must survive
	if err := c.ResetAndHalt(ctx); err != nil || !f.core.halted || f.core.regs[15] != 0x08000100 {
		t.Fatalf("ResetAndHalt: %v, halted %v, PC %08x", err, f.core.halted, f.core.regs[15])
	}
	if f.core.demcr != 1<<24 {
		t.Errorf("DEMCR after reset-and-halt %08x, want VC_CORERESET cleared and TRCENA kept", f.core.demcr)
	}
	if err := c.Reset(ctx); err != nil || f.core.halted {
		t.Fatalf("Reset: %v, halted %v", err, f.core.halted)
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := c.WaitHalted(wctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitHalted on a running core = %v", err)
	}
}
