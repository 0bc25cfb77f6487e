package bitbang

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/hw"
)

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		b    byte
		want Request
	}{
		{'0', Request{Op: OpWrite}},
		{'5', Request{Op: OpWrite, TCK: true, TDI: true}},
		{'6', Request{Op: OpWrite, TCK: true, TMS: true}},
		{'R', Request{Op: OpRead}},
		{'r', Request{Op: OpReset}},
		{'s', Request{Op: OpReset, SRST: true}},
		{'t', Request{Op: OpReset, TRST: true}},
		{'u', Request{Op: OpReset, TRST: true, SRST: true}},
		{'B', Request{Op: OpBlink, LED: true}},
		{'b', Request{Op: OpBlink}},
		{'Q', Request{Op: OpQuit}},
		{'Z', Request{Op: OpIgnore}}, // 0.13's sleep: unknown to 0.12
		{'\n', Request{Op: OpIgnore}},
	} {
		if got := Decode(tc.b); got != tc.want {
			t.Errorf("Decode(%q) = %+v, want %+v", tc.b, got, tc.want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, b := range []byte("01234567RrstuBbQZ\x00\xff") {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b byte) {
		r := Decode(b)
		if r.Op == OpIgnore {
			return
		}
		if Encode(r) != b {
			t.Fatalf("Encode(Decode(%q)) = %q", b, Encode(r))
		}
	})
}

// fakeJTAG records clocks and answers TDO from a script; it stands in a
// shift state so samples must wait for the edge.
type fakeJTAG struct {
	tdo    []bool
	clocks []bool // TMS per clock
	trst   []bool
}

var _ hw.JTAG = (*fakeJTAG)(nil)

func (f *fakeJTAG) SetClock(uint32) {}
func (f *fakeJTAG) Clock(tms, tdi bool) bool {
	f.clocks = append(f.clocks, tms)
	v := f.tdo[0]
	f.tdo = f.tdo[1:]
	return v
}
func (f *fakeJTAG) SetTRST(a bool) { f.trst = append(f.trst, a) }

// TestWireSamplesBeforeEdge: OpenOCD's pattern is write(TCK=0), R,
// write(TCK=1); the reply is TDO as that rising edge samples it, and
// replies keep their order.
func TestWireSamplesBeforeEdge(t *testing.T) {
	j := &fakeJTAG{tdo: []bool{true, false, true}}
	var resets []bool
	var out bytes.Buffer
	w := newWire(Target{JTAG: j, SetReset: func(a bool) { resets = append(resets, a) }}, &out)
	for _, b := range []byte("0R4" + "2R6" + "0R4R" + "s" + "u" + "r" + "Q") {
		if quit, err := w.step(b); err != nil || (quit != (b == 'Q')) {
			t.Fatalf("step %q: %v %v", b, quit, err)
		}
	}
	// The last R came with TCK high: it reads what the last edge sampled.
	if got := out.String(); got != "1011" {
		t.Errorf("replies %q, want 1011", got)
	}
	if len(j.clocks) != 3 || j.clocks[1] != true {
		t.Errorf("clocks %v", j.clocks)
	}
	// s asserts SRST; u adds TRST (SRST unchanged: no call); r drops both.
	if len(resets) != 2 || !resets[0] || resets[1] {
		t.Errorf("SRST %v, want [true false]", resets)
	}
	if want := []bool{true, false}; len(j.trst) != 2 || j.trst[0] != want[0] || j.trst[1] != want[1] {
		t.Errorf("TRST %v, want %v", j.trst, want)
	}
	if w.stats.TCK != 3 || w.stats.Reads != 4 {
		t.Errorf("stats %+v", w.stats)
	}
}

// TestServerIDCODEScan drives a simulated STM32F103 over TCP: reset the
// TAPs, scan 64 bits of DR, and read both IDCODEs (CPU TAP nearest TDO
// first).
func TestServerIDCODEScan(t *testing.T) {
	chip, err := NewChip(ChipConfig{Variant: "stm32f103c8", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := Listen(0)
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(chip.Target(), slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var req bytes.Buffer
	clock := func(tms, tdi bool, read bool) {
		v := byte(0)
		if tms {
			v |= 2
		}
		if tdi {
			v |= 1
		}
		req.WriteByte('0' + v)
		if read {
			req.WriteByte('R')
		}
		req.WriteByte('0' + 4 + v)
	}
	for range 5 {
		clock(true, false, false) // Test-Logic-Reset: IDCODE selected
	}
	for _, tms := range []bool{false, true, false, false} { // Idle, Select-DR, Capture-DR, Shift-DR
		clock(tms, false, false)
	}
	for i := range 64 {
		clock(i == 63, false, true)
	}
	req.WriteString("Q")
	if _, err := c.Write(req.Bytes()); err != nil {
		t.Fatal(err)
	}
	reply, err := io.ReadAll(bufio.NewReader(c))
	if err != nil {
		t.Fatal(err)
	}
	if len(reply) != 64 {
		t.Fatalf("%d replies, want 64", len(reply))
	}
	var ids [2]uint32
	for i, b := range reply {
		if b == '1' {
			ids[i/32] |= 1 << (i % 32)
		}
	}
	if ids[0] != 0x3BA00477 || ids[1] != 0x16410041 {
		t.Errorf("IDCODEs 0x%08X 0x%08X, want CPU 0x3BA00477 then BS 0x16410041", ids[0], ids[1])
	}
	if modeled := chip.Clock.Now(); modeled < 73*time.Microsecond {
		t.Errorf("modeled time %s: 73 TCK at 1 MHz not charged", modeled)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	if st := srv.Stats(); st.Conns != 1 || st.TCK != 73 || st.Reads != 64 {
		t.Errorf("stats %+v", st)
	}
}
