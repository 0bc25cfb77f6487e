package cmsisdap

import (
	"context"
	"errors"
	"testing"

	"github.com/flashstation/flashstation/drivers"
)

// memSetup is a MEM-AP run's set-up as drivers/arm sends it: CSW when it
// changes, then TAR.
func memSetup(csw *uint32, tar uint32) []drivers.DAPOp {
	var ops []drivers.DAPOp
	if csw != nil {
		ops = append(ops, drivers.DAPOp{AP: true, Addr: 0x00, Write: true, Value: *csw})
	}
	return append(ops, drivers.DAPOp{AP: true, Addr: 0x04, Write: true, Value: tar})
}

func counting(base uint32, n int) []uint32 {
	w := make([]uint32, n)
	for i := range w {
		w[i] = base + uint32(i)
	}
	return w
}

func TestBlockRunsV2SmallPackets(t *testing.T) {
	ctx := context.Background()
	pb := playback(t, "runs_v2_64.txt")
	p, err := Open(ctx, pb, OpenInfo{Kind: drivers.CMSISDAPv2, Serial: "x"})
	if err != nil {
		t.Fatal(err)
	}
	csw := uint32(0xA2000012)
	src := counting(0xB0000000, 24)
	done, err := p.BlockRuns(ctx, 0, 0x0C, false,
		[][]drivers.DAPOp{memSetup(&csw, 0x20000FF0), memSetup(nil, 0x20001000)},
		[][]uint32{src[:4], src[4:]})
	if err != nil || done != 2 {
		t.Fatalf("write runs = %d, %v", done, err)
	}

	dst := make([]uint32, 19)
	done, err = p.BlockRuns(ctx, 0, 0x0C, true,
		[][]drivers.DAPOp{memSetup(nil, 0x20000FF8), memSetup(nil, 0x20001000)},
		[][]uint32{dst[:2], dst[2:]})
	if err != nil || done != 2 {
		t.Fatalf("read runs = %d, %v", done, err)
	}
	for i, v := range dst {
		if v != 0xD0000000+uint32(i) {
			t.Fatalf("read word %d = %08x", i, v)
		}
	}

	src = counting(0xE0000000, 14)
	done, err = p.BlockRuns(ctx, 0, 0x0C, false,
		[][]drivers.DAPOp{memSetup(nil, 0x20000000), memSetup(nil, 0x40000000)},
		[][]uint32{src[:1], src[1:]})
	var te *TransferError
	if done != 1 || !errors.As(err, &te) || !errors.Is(err, ErrFault) || te.Index != 12 || te.Addr != 0x0C || !te.Write {
		t.Fatalf("failing runs = %d, %v; want 1 run done, FAULT on DRW write at word 12", done, err)
	}

	src = counting(0xF0000000, 21)
	done, err = p.BlockRuns(ctx, 0, 0x0C, false,
		[][]drivers.DAPOp{memSetup(nil, 0x20000000), memSetup(nil, 0x20000400)},
		[][]uint32{src[:1], src[1:]})
	if done != 0 || !errors.As(err, &te) || !errors.Is(err, ErrWait) || te.Index != 0 || te.Addr != 0x04 || !te.Write {
		t.Fatalf("runs with a failing TAR write = %d, %v; want 0 runs known done, WAIT on the TAR write", done, err)
	}
	if v, err := p.ReadAP(ctx, 0, 0x00); err != nil || v != 0xA2000012 {
		t.Fatalf("ReadAP CSW = %08x, %v", v, err)
	}
	if err := pb.Done(); err != nil {
		t.Fatal(err)
	}
}

func TestBlockRunsRejectsMismatch(t *testing.T) {
	p, pb := openV2(t, "")
	if _, err := p.BlockRuns(context.Background(), 0, 0x0C, false, nil, [][]uint32{{1}}); err == nil {
		t.Error("one run without its set-up accepted")
	}
	if err := pb.Done(); err != nil {
		t.Fatal(err)
	}
}
