package access

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		addr uint32
		n    int
		want []span
	}{
		{0x1000, 8, []span{{0x1000, 0, 8, 4}}},
		{0x1001, 3, []span{{0x1001, 0, 3, 1}}},
		{0x1001, 2, []span{{0x1001, 0, 2, 1}}},
		{0x1003, 6, []span{{0x1003, 0, 1, 1}, {0x1004, 1, 4, 4}, {0x1008, 5, 1, 1}}},
		{0x1000, 3, []span{{0x1000, 0, 3, 1}}},
		{0x1002, 0, nil},
	}
	for _, tt := range tests {
		if got := split(tt.addr, tt.n); !slices.Equal(got, tt.want) {
			t.Errorf("split(0x%x, %d) = %v, want %v", tt.addr, tt.n, got, tt.want)
		}
	}
}

func TestBytesRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		addr uint32
		n    int
	}{{0x20000000, 16}, {0x20000001, 13}, {0x20000003, 1}, {0x20000002, 7}} {
		f := newFakeMem()
		tg := &Target{Mem: f}
		src := make([]byte, tc.n)
		for i := range src {
			src[i] = byte(i*7 + 1)
		}
		if err := tg.WriteBlock(ctx, tc.addr, src, 4, nil); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, tc.n)
		var last int
		if err := tg.ReadBlock(ctx, tc.addr, got, 8, func(d int) { last = d }); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, src) || last != tc.n {
			t.Errorf("at 0x%x: read %x (progress %d), wrote %x", tc.addr, got, last, src)
		}
	}
}

func TestWaitForTimesOut(t *testing.T) {
	f := newFakeMem()
	f.busy = 1 << 30
	tg := &Target{Mem: f}
	_, err := tg.WaitFor(context.Background(), f.statusAt, 1, 0, 5*time.Millisecond)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	f.busy = 3
	if _, err := tg.WaitFor(context.Background(), f.statusAt, 1, 0, time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestWritePolledHostPath(t *testing.T) {
	tests := []struct {
		name       string
		width      int
		data       []byte
		skipErased bool
		wantWrites int
	}{
		{"halfwords", 2, []byte{1, 2, 3, 4, 5, 6}, false, 3},
		{"words skip erased", 4, []byte{1, 2, 3, 4, 0xFF, 0xFF, 0xFF, 0xFF, 9, 9, 9, 9}, true, 2},
		{"halfwords keep erased", 2, []byte{0xFF, 0xFF, 1, 2}, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeMem()
			f.busyReads = 2
			tg := &Target{Mem: f}
			var prog int
			err := tg.WritePolled(context.Background(), Stream{Addr: flashBase, Data: tt.data, Width: tt.width,
				Wait: Status{Addr: f.statusAt, Mask: 1, Want: 0, Errors: 0x14, ErasedFiller: 0xFF}, SkipErased: tt.skipErased,
				Progress: func(d int) { prog = d }})
			if err != nil {
				t.Fatal(err)
			}
			if f.wroteBusy {
				t.Error("a unit was written while the controller was busy")
			}
			writes := 0
			for _, w := range f.widths {
				if w == tt.width {
					writes++
				}
			}
			// Every unit write is followed by status reads of width 4.
			if tt.width == 2 && writes != tt.wantWrites {
				t.Errorf("%d halfword writes, want %d", writes, tt.wantWrites)
			}
			got := make([]byte, len(tt.data))
			tg.ReadBytes(context.Background(), flashBase, got)
			if !bytes.Equal(got, tt.data) || prog != len(tt.data) {
				t.Errorf("flash %x (progress %d), want %x", got, prog, tt.data)
			}
		})
	}
}

func TestWritePolledStatusError(t *testing.T) {
	f := newFakeMem()
	f.mem[f.statusAt] = 0x04 // PGERR stays set
	tg := &Target{Mem: f}
	err := tg.WritePolled(context.Background(), Stream{Addr: flashBase, Data: []byte{1, 2}, Width: 2,
		Wait: Status{Addr: f.statusAt, Mask: 1, Errors: 0x14}})
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 0x04 || se.Addr != flashBase {
		t.Fatalf("err = %v, want StatusError 0x04 at flash base", err)
	}
}

func TestWritePolledRejectsBadUnits(t *testing.T) {
	tg := &Target{Mem: newFakeMem()}
	for _, s := range []Stream{{Addr: 1, Data: []byte{1, 2}, Width: 2}, {Data: []byte{1, 2, 3}, Width: 2}, {Data: []byte{1}, Width: 1}} {
		if err := tg.WritePolled(context.Background(), s); err == nil {
			t.Errorf("stream %+v accepted", s)
		}
	}
}
