package cmsisdap

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/link"
)

func playback(t *testing.T, name string) *link.Playback {
	t.Helper()
	pb, err := link.LoadPlayback(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return pb
}

func TestOpenConnectV2(t *testing.T) {
	ctx := context.Background()
	pb := playback(t, "open_connect_v2.txt")
	p, err := Open(ctx, pb, OpenInfo{Kind: drivers.CMSISDAPv2, VID: 0x2e8a, PID: 0x000c, Serial: "E66138"})
	if err != nil {
		t.Fatal(err)
	}
	id := p.Identity()
	if id.Firmware != "2.1.0" || id.Serial != "E66138" || p.PacketSize() != 512 || p.PacketCount() != 4 {
		t.Fatalf("identity %+v, packet %d×%d", id, p.PacketSize(), p.PacketCount())
	}
	dpidr, err := p.Connect(ctx, drivers.ConnectOptions{ClockHz: 4_000_000})
	if err != nil || dpidr != 0x2BA01477 {
		t.Fatalf("Connect = %08x, %v", dpidr, err)
	}
	if v, err := p.ReadAP(ctx, 0, 0xFC); err != nil || v != 0x24770011 {
		t.Fatalf("ReadAP IDR = %08x, %v", v, err)
	}
	if v, err := p.ReadAP(ctx, 0, 0x00); err != nil || v != 0x23000040 {
		t.Fatalf("ReadAP CSW = %08x, %v", v, err)
	}
	err = p.WriteAP(ctx, 0, 0x0C, 0x12345678)
	var te *TransferError
	if !errors.As(err, &te) || !errors.Is(err, ErrFault) || te.Index != 0 || !te.AP || te.Addr != 0x0C {
		t.Fatalf("WriteAP err = %v, want FAULT on AP 0 DRW", err)
	}
	if want := "cmsisdap: target answered FAULT on AP 0 write 0x0C"; err.Error() != want {
		t.Errorf("FAULT text %q, want %q", err, want)
	}
	if v, err := p.ReadDP(ctx, 0x4); err != nil || v != 0xF0000000 {
		t.Fatalf("ReadDP CTRL/STAT = %08x, %v", v, err)
	}
	_, err = p.ReadDP(ctx, 0x0)
	if !errors.Is(err, ErrNoTarget) || !strings.Contains(err.Error(), "no target answers: is a board seated in this slot and powered?") {
		t.Fatalf("ReadDP err = %v, want no target", err)
	}
	if err := pb.Done(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenConnectV1TargetSel(t *testing.T) {
	ctx := context.Background()
	pb := playback(t, "open_connect_v1_targetsel.txt")
	p, err := Open(ctx, pb, OpenInfo{Kind: drivers.CMSISDAPv1})
	if err != nil {
		t.Fatal(err)
	}
	if id := p.Identity(); id.Serial != "E6614C" || id.Firmware != "2.0.0" {
		t.Fatalf("identity %+v", id)
	}
	sel := uint32(0x01002927)
	dpidr, err := p.Connect(ctx, drivers.ConnectOptions{TargetSel: &sel})
	if err != nil || dpidr != 0x0BC12477 {
		t.Fatalf("Connect = %08x, %v", dpidr, err)
	}
	if err := pb.Done(); err != nil {
		t.Fatal(err)
	}
}

func TestBlockV2SmallPackets(t *testing.T) {
	ctx := context.Background()
	pb := playback(t, "block_v2_64.txt")
	p, err := Open(ctx, pb, OpenInfo{Kind: drivers.CMSISDAPv2, Serial: "x"})
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]uint32, 20)
	if err := p.BlockRead(ctx, 0, 0x0C, dst); err != nil {
		t.Fatal(err)
	}
	for i, v := range dst {
		if v != 0x20000000+uint32(i) {
			t.Fatalf("word %d = %08x", i, v)
		}
	}
	src := make([]uint32, 16)
	for i := range src {
		src[i] = 0xA0000000 + uint32(i)
	}
	err = p.BlockWrite(ctx, 0, 0x0C, src)
	var te *TransferError
	if !errors.As(err, &te) || !errors.Is(err, drivers.ErrWait) || te.Index != 15 {
		t.Fatalf("BlockWrite err = %v, want WAIT at word 15", err)
	}
	if want := "target stays busy (WAIT) for 100 retries"; !strings.Contains(err.Error(), want) {
		t.Errorf("WAIT text %q lacks %q", err, want)
	}
	if err := pb.Done(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRejects(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		kind    drivers.Kind
		ex      string
		wantErr error
	}{
		{"not cmsis-dap", drivers.STLinkV2, "", nil},
		{"no SWD", drivers.CMSISDAPv2, "< timeout\n> 00 f0\n< 00 01 02\n", ErrUnsupported},
		{"unknown command", drivers.CMSISDAPv2, "< timeout\n> 00 f0\n< ff\n", ErrUnsupported},
		{"wrong echo", drivers.CMSISDAPv2, "< timeout\n> 00 f0\n< 01 01 01\n", ErrBadReply},
		{"short info", drivers.CMSISDAPv2, "< timeout\n> 00 f0\n< 00 05 01\n", ErrBadReply},
		{"timeout", drivers.CMSISDAPv2, "< timeout\n> 00 f0\n< timeout\n", link.ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex, err := link.ParseExchanges(strings.NewReader(tt.ex), tt.name)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Open(ctx, link.NewPlayback(tt.name, ex), OpenInfo{Kind: tt.kind})
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) || !strings.HasPrefix(err.Error(), "cmsisdap: ") {
				t.Fatalf("Open err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
