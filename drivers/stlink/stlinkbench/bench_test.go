package stlinkbench

import (
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/stlink"
)

// fakeV2 is the least of an ST-Link V2J37 that RAM needs: it answers the
// open/connect sequence and 32-bit memory commands from a RAM map, and
// models time as 1 ms per command (a full-speed frame) plus 46 SWD cycles
// per word at 4 MHz. corrupt flips a bit on every read, to prove RAM checks.
type fakeV2 struct {
	ram     map[uint32]uint32
	reply   []byte
	pending []byte // command waiting for its OUT data phase
	now     time.Duration
	corrupt bool
}

var (
	_ link.Link    = (*fakeV2)(nil)
	_ link.Clocked = (*fakeV2)(nil)
)

func (f *fakeV2) ModeledTime() time.Duration { return f.now }
func (f *fakeV2) Close() error               { return nil }

func (f *fakeV2) Read(_ context.Context, p []byte) (int, error) {
	n := copy(p, f.reply)
	f.reply = f.reply[n:]
	return n, nil
}

func (f *fakeV2) Write(_ context.Context, p []byte) (int, error) {
	if f.pending != nil { // WRITEMEM_32BIT data phase
		addr := binary.LittleEndian.Uint32(f.pending[2:])
		for i := 0; i+4 <= len(p); i += 4 {
			f.ram[addr+uint32(i)] = binary.LittleEndian.Uint32(p[i:])
		}
		f.now += time.Duration(len(p)/4) * 11500 * time.Nanosecond
		f.pending = nil
		return len(p), nil
	}
	f.now += time.Millisecond
	ok2, ok12 := []byte{0x80, 0}, append([]byte{0x80}, make([]byte, 11)...)
	switch {
	case p[0] == 0xF1:
		f.reply = []byte{0x29, 0x47, 0x83, 0x04, 0x48, 0x37}
	case p[0] == 0xF5:
		f.reply = []byte{0x01, 0x00}
	case p[1] == 0x31:
		f.reply = []byte{0x80, 0, 0, 0, 0x77, 0x14, 0xa0, 0x1b, 0, 0, 0, 0}
	case p[1] == 0x3E:
		f.reply = ok12
	case p[1] == 0x08:
		f.pending = append([]byte(nil), p...)
	case p[1] == 0x07:
		addr, n := binary.LittleEndian.Uint32(p[2:]), int(binary.LittleEndian.Uint16(p[6:]))
		f.reply = make([]byte, n)
		for i := 0; i < n; i += 4 {
			v := f.ram[addr+uint32(i)]
			if addr == 0xE000ED00 {
				v = 0x411FC231
			} else if f.corrupt {
				v ^= 1
			}
			binary.LittleEndian.PutUint32(f.reply[i:], v)
		}
		f.now += time.Duration(n/4) * 11500 * time.Nanosecond
	case p[1] == 0x21:
	default:
		f.reply = ok2
	}
	return len(p), nil
}

func opener(f *fakeV2) OpenLink {
	return func(context.Context) (link.Link, error) { return f, nil }
}

var info = stlink.OpenInfo{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}

func TestRAM(t *testing.T) {
	f := &fakeV2{ram: map[uint32]uint32{}}
	res, err := RAM(t.Context(), opener(f), info, 0x20000000, 64<<10, 4_000_000)
	if err != nil {
		t.Fatal(err)
	}
	wantCeil := 16384 * 11500 * time.Nanosecond
	if !res.Modeled || res.Bytes != 64<<10 || res.ClockKHz != 4000 || res.Ceiling != wantCeil {
		t.Fatalf("result %+v, want modeled 64 KiB at 4000 kHz, ceiling %v", res, wantCeil)
	}
	// 16 chunks of 4 KiB, each two 1 ms commands: 32 ms over the 188 ms wire time.
	if want := wantCeil + 32*time.Millisecond; res.Write != want || res.Read != want {
		t.Errorf("write %v read %v, want %v each", res.Write, res.Read, want)
	}
	if s := res.WriteShare(); s < 0.85 || s > 0.86 {
		t.Errorf("write share %.3f, want 0.855", s)
	}
}

func TestRAMCatchesBadReadBack(t *testing.T) {
	f := &fakeV2{ram: map[uint32]uint32{}, corrupt: true}
	_, err := RAM(t.Context(), opener(f), info, 0x20000000, 1024, 4_000_000)
	if err == nil || !strings.Contains(err.Error(), "stlinkbench: read back 0xa5a5a5a4 at 0x20000000, wrote 0xa5a5a5a5") {
		t.Errorf("err = %v", err)
	}
	if _, err := RAM(t.Context(), opener(f), info, 0x20000000, 6, 4_000_000); err == nil {
		t.Error("size 6 accepted")
	}
}

func TestCeiling(t *testing.T) {
	for _, tc := range []struct {
		n    int
		khz  uint32
		want time.Duration
	}{
		{4, 4000, 11500 * time.Nanosecond},
		{64 << 10, 4000, 188416 * time.Microsecond},
		{4, 1800, 25555 * time.Nanosecond},
		{4, 0, 0},
	} {
		if got := Ceiling(tc.n, tc.khz); got != tc.want {
			t.Errorf("Ceiling(%d, %d) = %v, want %v", tc.n, tc.khz, got, tc.want)
		}
	}
}

func BenchmarkRAM64KiBFake(b *testing.B) {
	f := &fakeV2{ram: map[uint32]uint32{}}
	Bench(b, opener(f), info, 0x20000000, 64<<10, 4_000_000)
}
