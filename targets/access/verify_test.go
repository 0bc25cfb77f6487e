package access

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/flashstation/flashstation/targets"
)

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		name      string
		want, got []byte
		addr      uint32 // of the first difference; 0: none
		mismatch  int
		wantHead  []byte
	}{
		{"equal", []byte{1, 2, 3}, []byte{1, 2, 3}, 0, 0, nil},
		{"one", []byte{1, 2, 3}, []byte{1, 9, 3}, 0x101, 1, []byte{2, 3}},
		{"head capped at 8", bytes.Repeat([]byte{0}, 12), bytes.Repeat([]byte{1}, 12), 0x100, 12, bytes.Repeat([]byte{0}, 8)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := Compare(nil, 0x100, tc.want, tc.got)
			if tc.mismatch == 0 {
				if e != nil {
					t.Fatalf("got %v, want none", e)
				}
				return
			}
			if e == nil || e.Addr != tc.addr || e.Mismatch != tc.mismatch || !bytes.Equal(e.Want, tc.wantHead) {
				t.Fatalf("got %+v, want addr 0x%X, %d mismatches, want head %X", e, tc.addr, tc.mismatch, tc.wantHead)
			}
		})
	}
}

// TestVerifyChunks: the first difference keeps its address across
// chunks and segments, later ones only count, and progress ends at the
// total.
func TestVerifyChunks(t *testing.T) {
	mem := map[uint32]byte{}
	segs := []targets.Segment{
		{Addr: 0x1000, Data: bytes.Repeat([]byte{0xAB}, VerifyChunk+10)},
		{Addr: 0x9000_0000, Data: []byte{1, 2, 3}},
	}
	for _, s := range segs {
		for i, b := range s.Data {
			mem[s.Addr+uint32(i)] = b
		}
	}
	mem[0x1000+VerifyChunk+1] = 0 // in the second chunk
	mem[0x9000_0002] = 7
	read := func(_ context.Context, addr uint32, n int) ([]byte, error) {
		out := make([]byte, n)
		for i := range out {
			out[i] = mem[addr+uint32(i)]
		}
		return out, nil
	}
	var last targets.Progress
	err := VerifyChunks(context.Background(), "x", segs, read, func(p targets.Progress) { last = p })
	var ve *targets.VerifyError
	if !errors.As(err, &ve) || ve.Addr != 0x1000+VerifyChunk+1 || ve.Mismatch != 2 {
		t.Fatalf("got %v, want the first difference at 0x%X and 2 in all", err, 0x1000+VerifyChunk+1)
	}
	if last.Phase != targets.PhaseVerify || last.Done != last.Total || last.Total != int64(VerifyChunk+13) {
		t.Fatalf("last progress %+v", last)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := VerifyChunks(ctx, "x", segs, read, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: got %v", err)
	}
}
