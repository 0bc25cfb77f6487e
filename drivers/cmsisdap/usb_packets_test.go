package cmsisdap

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/link"
)

// dapResponder answers CMSIS-DAP commands like the reference firmware
// (DAP.c): every read returns word value 0x1000+i.
type dapResponder struct {
	packetSize int
	count      int
}

func (r *dapResponder) answer(req []byte) []byte {
	switch req[0] {
	case cmdInfo:
		switch req[1] {
		case infoCapabilities:
			return []byte{0, 1, 0x01}
		case infoPacketSize:
			return []byte{0, 2, byte(r.packetSize), byte(r.packetSize >> 8)}
		case infoPacketCount:
			return []byte{0, 1, byte(r.count)}
		case infoFirmware:
			return append([]byte{0, 6}, "2.1.0\x00"...)
		case infoSerial:
			return append([]byte{0, 3}, "S1\x00"...)
		}
		return []byte{0, 0}
	case cmdTransfer:
		n := int(req[2])
		out := []byte{cmdTransfer, byte(n), AckOK}
		p := 3
		for i := 0; i < n; i++ {
			q := req[p]
			p++
			if q&reqRnW == 0 || q&reqMatchValue != 0 {
				p += 4
			}
			if q&reqRnW != 0 && q&reqMatchValue == 0 {
				out = binary.LittleEndian.AppendUint32(out, 0x1000+uint32(i))
			}
		}
		return out
	case cmdTransferBlock:
		n := int(binary.LittleEndian.Uint16(req[2:]))
		out := []byte{cmdTransferBlock, byte(n), byte(n >> 8), AckOK}
		if req[4]&reqRnW != 0 {
			for i := 0; i < n; i++ {
				out = binary.LittleEndian.AppendUint32(out, 0x1000+uint32(i))
			}
		}
		return out
	}
	return []byte{0xFF}
}

// bulkLink models a CMSIS-DAP v2 probe on a real bulk IN endpoint of
// wMaxPacketSize mps whose firmware sends no zero-length packet (DAP.c /
// DAPLink / debugprobe send the reply as is). As with libusb, one IN
// transfer of len(p) bytes completes only on a short packet or when p is
// full; a reply that is an exact multiple of mps does not end it.
type bulkLink struct {
	r       dapResponder
	mps     int
	packets [][]byte // USB packets queued on the IN endpoint
}

func (l *bulkLink) Write(ctx context.Context, p []byte) (int, error) {
	resp := l.r.answer(p)
	for len(resp) > 0 {
		n := min(l.mps, len(resp))
		l.packets = append(l.packets, resp[:n])
		resp = resp[n:]
	}
	return len(p), nil
}

func (l *bulkLink) Read(ctx context.Context, p []byte) (int, error) {
	got := 0
	for {
		if len(l.packets) == 0 {
			if got == 0 || got%l.mps == 0 {
				// transfer not complete: libusb waits for more
				return got, link.ErrTimeout
			}
			return got, nil
		}
		pk := l.packets[0]
		if got+len(pk) > len(p) {
			return got, link.ErrTimeout // would overflow
		}
		l.packets = l.packets[1:]
		got += copy(p[got:], pk)
		if len(pk) < l.mps || got == len(p) {
			return got, nil
		}
	}
}

func (l *bulkLink) Close() error { return nil }

// A Pico debugprobe (2e8a:000c: 64-byte bulk endpoints, DAP packet size
// 64) answers a 15-word DAP_TransferBlock read with exactly 64 bytes. A
// host that reads into a 1024-byte buffer never sees the transfer end.
func TestBulkReplyOfExactlyOnePacket(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	l := &bulkLink{r: dapResponder{packetSize: 64, count: 1}, mps: 64}
	p, err := Open(ctx, l, OpenInfo{Kind: drivers.CMSISDAPv2, Serial: "x"})
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]uint32, 15)
	if err := p.BlockRead(ctx, 0, 0x0C, dst); err != nil {
		t.Fatalf("BlockRead of 15 words (a 64-byte reply): %v", err)
	}
}

// Same on a high-speed probe (512-byte endpoints, packet size 512):
// 127-word block reads answer exactly 512 bytes.
func TestBulkReplyOfExactly512(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	l := &bulkLink{r: dapResponder{packetSize: 512, count: 4}, mps: 512}
	p, err := Open(ctx, l, OpenInfo{Kind: drivers.CMSISDAPv2, Serial: "x"})
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]uint32, 127*3)
	if err := p.BlockRead(ctx, 0, 0x0C, dst); err != nil {
		t.Fatalf("BlockRead of 3×127 words (512-byte replies): %v", err)
	}
}

// hidLink models a CMSIS-DAP v1 probe whose HID report is reportSize
// bytes (Atmel/Microchip EDBG: 512; high-speed LPC-Link2/ULINK: 1024):
// every reply is a whole report, read through a gousb ReadStream, which
// hands out at most len(p) bytes and keeps the rest for the next Read
// (gousb v1.1.3 transfer_stream.go ReadContext).
type hidLink struct {
	r          dapResponder
	reportSize int
	stream     []byte
	badWrites  int
}

func (l *hidLink) Write(ctx context.Context, p []byte) (int, error) {
	if len(p) != l.reportSize {
		l.badWrites++
	}
	rep := make([]byte, l.reportSize)
	copy(rep, l.r.answer(p))
	l.stream = append(l.stream, rep...)
	return len(p), nil
}

func (l *hidLink) Read(ctx context.Context, p []byte) (int, error) {
	if len(l.stream) == 0 {
		return 0, link.ErrTimeout
	}
	n := copy(p, l.stream[:min(len(l.stream), l.reportSize)])
	l.stream = l.stream[n:]
	return n, nil
}

func (l *hidLink) Close() error { return nil }

func TestHIDProbeWith512ByteReports(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	l := &hidLink{r: dapResponder{packetSize: 512, count: 1}, reportSize: 512}
	p, err := Open(ctx, l, OpenInfo{Kind: drivers.CMSISDAPv1, Serial: "x", ReportSize: 512})
	if err != nil {
		t.Fatalf("Open of an EDBG-style HID probe (512-byte reports): %v", err)
	}
	if _, err := p.ReadAP(ctx, 0, 0xFC); err != nil {
		t.Fatalf("ReadAP: %v", err)
	}
	if l.badWrites != 0 {
		t.Errorf("%d writes were not whole %d-byte reports", l.badWrites, l.reportSize)
	}
}
