package cmsisdap

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/link"
)

// openV2 opens a probe on an inline exchange list preceded by a minimal
// v2 Open (nothing stale to flush, 64-byte packets, one buffer,
// firmware "1").
func openV2(t *testing.T, script string) (*Probe, *link.Playback) {
	t.Helper()
	head := "< timeout\n> 00 f0\n< 00 01 01\n> 00 ff\n< 00 02 40 00\n> 00 fe\n< 00 01 01\n> 00 09\n< 00 02 31 00\n"
	ex, err := link.ParseExchanges(strings.NewReader(head+script), t.Name())
	if err != nil {
		t.Fatal(err)
	}
	pb := link.NewPlayback(t.Name(), ex)
	p, err := Open(context.Background(), pb, OpenInfo{Kind: drivers.CMSISDAPv2, Serial: "s"})
	if err != nil {
		t.Fatal(err)
	}
	return p, pb
}

func TestHardReset(t *testing.T) {
	// nRESET low, DAP_Delay 1500 µs on the probe, nRESET released.
	p, pb := openV2(t, "> 10 00 80 00 00 00 00\n< 10 00\n> 09 dc 05\n< 09 00\n> 10 80 80 00 00 00 00\n< 10 80\n")
	if err := p.HardReset(context.Background(), 1500*time.Microsecond); err != nil {
		t.Fatal(err)
	}
	if err := pb.Done(); err != nil {
		t.Fatal(err)
	}
}

func TestBatchMatchAndChunking(t *testing.T) {
	// Two polls with one mask: the mask is written once. Then 20 AP reads
	// of DRW: 64-byte replies hold 15 words (3 + 4×15 = 63), so 15 + 5.
	script := "> 05 00 04 08 00 00 00 00 20 00 00 02 00 13 00 00 02 00 13 00 00 02 00\n< 05 04 01\n"
	script += "> 05 00 0f" + strings.Repeat(" 0f", 15) + "\n< 05 0f 01" + strings.Repeat(" 01 00 00 00", 15) + "\n"
	script += "> 05 00 05" + strings.Repeat(" 0f", 5) + "\n< 05 05 01" + strings.Repeat(" 02 00 00 00", 5) + "\n"
	// A mismatch reports ErrMismatch and sends no ABORT.
	script += "> 05 00 01 13 00 00 02 00\n< 05 00 11\n"
	p, pb := openV2(t, script)
	ctx := context.Background()
	m := &drivers.Match{Mask: 0x20000, Value: 0x20000}
	ops := []drivers.DAPOp{{AP: true, Addr: 0x00, Match: m}, {AP: true, Addr: 0x00, Match: m}}
	if err := p.Batch(ctx, ops); err != nil {
		t.Fatal(err)
	}
	vals := make([]uint32, 20)
	ops = ops[:0]
	for i := range vals {
		ops = append(ops, drivers.DAPOp{AP: true, Addr: 0x0C, Result: &vals[i]})
	}
	if err := p.Batch(ctx, ops); err != nil {
		t.Fatal(err)
	}
	if vals[14] != 1 || vals[15] != 2 {
		t.Fatalf("values %v", vals)
	}
	err := p.Batch(ctx, []drivers.DAPOp{{AP: true, Addr: 0x00, Match: m}})
	if !errors.Is(err, ErrMismatch) {
		t.Fatalf("mismatch err = %v", err)
	}
	if err := pb.Done(); err != nil {
		t.Fatal(err)
	}
}
