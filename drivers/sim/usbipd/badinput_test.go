package usbipd

import (
	"strings"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/usbip"
)

// waitLog waits (bounded) for the server to log a line containing s.
func waitLog(t *testing.T, ts *testServer, s string) {
	t.Helper()
	for range 200 {
		if strings.Contains(ts.log.String(), s) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no log line %q; log:\n%s", s, ts.log.String())
}

func TestImportRefused(t *testing.T) {
	ts := startServer(t, spec3)
	if _, st := ts.importDevice(t, "9-9.9"); st != usbip.StNoDev {
		t.Errorf("import of a missing busid: status %d, want %d (ST_NODEV)", st, usbip.StNoDev)
	}
	waitLog(t, ts, "no such device")
	first, st := ts.importDevice(t, "1-1.1")
	if st != usbip.StOK {
		t.Fatalf("first import: status %d", st)
	}
	if _, st := ts.importDevice(t, "1-1.1"); st != usbip.StDevBusy {
		t.Errorf("second import of one probe: status %d, want %d (ST_DEV_BUSY)", st, usbip.StDevBusy)
	}
	waitLog(t, ts, "already imported")
	// The first client is still served, and so are others.
	if got := first.transfer(0x01, 0x82, []byte{0x02, 0x01}, 512); hexs(got) != "02 01" {
		t.Errorf("first client after the refused import: % x", got)
	}
	if len(ts.devlist(t)) != 3 {
		t.Error("device list broken after refused imports")
	}
	// Once the first client leaves, the probe can be imported again.
	first.c.Close()
	for range 200 {
		if cl, st := ts.importDevice(t, "1-1.1"); st == usbip.StOK {
			if got := cl.transfer(0x01, 0x82, []byte{0x02, 0x01}, 512); hexs(got) != "02 01" {
				t.Errorf("re-imported probe: % x", got)
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("probe not importable again after its client left")
}

func TestUnlink(t *testing.T) {
	ts := startServer(t, spec3)
	cl, _ := ts.importDevice(t, "1-1.1")
	// An IN with nothing to read stays pending; unlinking it gives
	// -ECONNRESET and no RET_SUBMIT.
	seq := cl.send(0x82, true, 512, usbip.Setup{}, nil)
	cl.seq++
	un := usbip.CmdUnlink{Basic: usbip.Basic{Seqnum: cl.seq, DevID: cl.dev.DevID()}, UnlinkSeqnum: seq}
	if _, err := cl.c.Write(un.Encode()); err != nil {
		t.Fatal(err)
	}
	r, ok := cl.recv().(*usbip.RetUnlink)
	if !ok || r.Seqnum != cl.seq || r.Status != usbip.ErrnoECONNRESET {
		t.Fatalf("RET_UNLINK %+v, want seqnum %d status %d", r, cl.seq, usbip.ErrnoECONNRESET)
	}
	// Unlinking a completed URB answers status 0.
	got := cl.transfer(0x01, 0x82, []byte{0x02, 0x01}, 512)
	if hexs(got) != "02 01" {
		t.Fatalf("transfer after unlink: % x (the unlinked URB must not take the reply)", got)
	}
	cl.seq++
	un = usbip.CmdUnlink{Basic: usbip.Basic{Seqnum: cl.seq}, UnlinkSeqnum: cl.seq - 1}
	cl.c.Write(un.Encode())
	if r, ok := cl.recv().(*usbip.RetUnlink); !ok || r.Status != 0 {
		t.Fatalf("RET_UNLINK of a completed URB: %+v, want status 0", r)
	}
	// The stall of a missing endpoint.
	seq = cl.send(0x05, false, 1, usbip.Setup{}, []byte{0})
	if r := cl.recvSubmit(seq); r.Status != usbip.ErrnoEPIPE {
		t.Errorf("OUT to a missing endpoint: status %d, want -EPIPE", r.Status)
	}
}

func TestMalformedAndTruncated(t *testing.T) {
	ts := startServer(t, spec3)
	for _, tc := range []struct {
		name, log string
		send      func(c *client)
	}{
		{"unknown command", "malformed packet", func(c *client) {
			b := make([]byte, usbip.HeaderSize)
			b[3] = 9
			c.c.Write(b)
		}},
		{"truncated header", "disconnected mid-transfer", func(c *client) {
			c.c.Write(make([]byte, 20))
		}},
		{"truncated payload", "disconnected mid-transfer", func(c *client) {
			cmd := usbip.CmdSubmit{Basic: usbip.Basic{Seqnum: 1, EP: 1}, TransferBufferLength: 64, NumberOfPackets: usbip.NoISO}
			c.c.Write(cmd.Encode()[:usbip.HeaderSize+0])
			c.c.Write(make([]byte, 10))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl, st := ts.importDevice(t, "1-1.1")
			if st != usbip.StOK {
				t.Fatalf("import status %d", st)
			}
			tc.send(cl)
			if tc.name != "unknown command" {
				cl.c.Close() // gone mid-message
			}
			waitLog(t, ts, tc.log)
			cl.c.Close()
		})
	}
	// A bad first message on a fresh connection.
	c := dial(t, ts.addr)
	c.Write([]byte{0x01, 0x06, 0x80, 0x05, 0, 0, 0, 0})
	waitLog(t, ts, "unsupported protocol version")
	c.Close()
	if len(ts.devlist(t)) != 3 {
		t.Error("server stopped serving after bad input")
	}
	if !strings.Contains(ts.events.String(), `"end":"malformed packet"`) {
		t.Errorf("no session line for the malformed session: %s", ts.events.String())
	}
}
