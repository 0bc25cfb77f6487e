package usbipd

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim"
	"github.com/flashstation/flashstation/drivers/sim/usbip"
)

// FuzzSession feeds arbitrary URB traffic to an imported device (each
// probe kind in turn): the server answers or hangs up, never panics, and
// always returns when the client goes away.
func FuzzSession(f *testing.F) {
	getDev := usbip.CmdSubmit{Basic: usbip.Basic{Seqnum: 1, Direction: usbip.DirIn}, TransferBufferLength: 18,
		Setup: usbip.Setup{RequestType: 0x80, Request: reqGetDescriptor, Value: 0x0100, Length: 18}.Bytes()}
	setReport := usbip.CmdSubmit{Basic: usbip.Basic{Seqnum: 2}, TransferBufferLength: 2, Data: []byte{0, 4},
		Setup: usbip.Setup{RequestType: 0x21, Request: hidSetReport, Value: 0x0200, Index: 1, Length: 2}.Bytes()}
	bulkIn := usbip.CmdSubmit{Basic: usbip.Basic{Seqnum: 3, Direction: usbip.DirIn, EP: 2}, TransferBufferLength: 512}
	bulkOut := usbip.CmdSubmit{Basic: usbip.Basic{Seqnum: 4, EP: 1}, TransferBufferLength: 2, Data: []byte{0x02, 0x01}}
	unlink := usbip.CmdUnlink{Basic: usbip.Basic{Seqnum: 5}, UnlinkSeqnum: 3}
	for slot := range 3 {
		f.Add(uint8(slot), getDev.Encode())
		f.Add(uint8(slot), append(bulkIn.Encode(), bulkOut.Encode()...))
		f.Add(uint8(slot), append(bulkIn.Encode(), unlink.Encode()...))
		f.Add(uint8(slot), setReport.Encode())
	}
	fx, err := sim.New(spec3, sim.Options{})
	if err != nil {
		f.Fatal(err)
	}
	srv := New(Config{Fixture: fx, Log: slog.New(slog.DiscardHandler)})
	f.Fuzz(func(t *testing.T, slot uint8, traffic []byte) {
		busid := BusID(fx.Slots[int(slot)%len(fx.Slots)].Probe)
		client, server := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer server.Close()
			srv.handle(context.Background(), server)
		}()
		go io.Copy(io.Discard, client)
		req, _ := usbip.EncodeReqImport(busid)
		client.SetDeadline(time.Now().Add(5 * time.Second))
		client.Write(req)
		client.Write(traffic)
		client.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("session did not end after the client left")
		}
	})
}
