package usbipd

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim"
	"github.com/flashstation/flashstation/drivers/sim/usbip"
)

// syncBuffer collects log or event output from the server goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type testServer struct {
	addr   string
	srv    *Server
	fx     *sim.Fixture
	log    *syncBuffer
	events *syncBuffer
}

// startServer serves spec on a free loopback port until the test ends.
func startServer(t *testing.T, spec string) *testServer {
	t.Helper()
	fx, err := sim.New(spec, sim.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{addr: ln.Addr().String(), fx: fx, log: &syncBuffer{}, events: &syncBuffer{}}
	ts.srv = New(Config{Fixture: fx, Log: slog.New(slog.NewTextHandler(ts.log, nil)), Events: ts.events})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ts.srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("server did not stop within 5 s")
		}
	})
	return ts
}

func (ts *testServer) devlist(t *testing.T) []usbip.Device {
	t.Helper()
	c := dial(t, ts.addr)
	defer c.Close()
	if _, err := c.Write(usbip.EncodeReqDevList()); err != nil {
		t.Fatal(err)
	}
	h, err := usbip.ReadOpHeader(c)
	if err != nil || h.Code != usbip.OpRepDevList || h.Status != usbip.StOK {
		t.Fatalf("devlist header %+v, %v", h, err)
	}
	devs, err := usbip.DecodeRepDevList(c)
	if err != nil {
		t.Fatal(err)
	}
	return devs
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return c
}

// client is a minimal USB/IP client over one imported device.
type client struct {
	t    *testing.T
	c    net.Conn
	dev  usbip.Device
	seq  uint32
	dirs map[uint32]bool
}

// importDevice imports busid; status is the OP_REP_IMPORT status.
func (ts *testServer) importDevice(t *testing.T, busid string) (*client, uint32) {
	t.Helper()
	c := dial(t, ts.addr)
	req, err := usbip.EncodeReqImport(busid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	h, err := usbip.ReadOpHeader(c)
	if err != nil || h.Code != usbip.OpRepImport {
		t.Fatalf("import %s: header %+v, %v", busid, h, err)
	}
	if h.Status != usbip.StOK {
		c.Close()
		return nil, h.Status
	}
	d, err := usbip.DecodeRepImport(c)
	if err != nil {
		t.Fatal(err)
	}
	cl := &client{t: t, c: c, dev: d, dirs: map[uint32]bool{}}
	t.Cleanup(func() { c.Close() })
	return cl, usbip.StOK
}

func (cl *client) send(ep uint8, in bool, length int, setup usbip.Setup, data []byte) uint32 {
	cl.t.Helper()
	cl.seq++
	cmd := usbip.CmdSubmit{Basic: usbip.Basic{Seqnum: cl.seq, DevID: cl.dev.DevID(), EP: uint32(ep & 0x7F)},
		TransferBufferLength: uint32(length), NumberOfPackets: usbip.NoISO, Setup: setup.Bytes(), Data: data}
	if in {
		cmd.Direction, cmd.TransferFlags = usbip.DirIn, usbip.FlagDirIn
	}
	cl.dirs[cl.seq] = in
	if _, err := cl.c.Write(cmd.Encode()); err != nil {
		cl.t.Fatal(err)
	}
	return cl.seq
}

func (cl *client) recv() any {
	cl.t.Helper()
	m, err := usbip.ReadReturn(cl.c, func(seq uint32) bool { return cl.dirs[seq] })
	if err != nil {
		cl.t.Fatalf("read reply: %v", err)
	}
	return m
}

func (cl *client) recvSubmit(seq uint32) *usbip.RetSubmit {
	cl.t.Helper()
	m := cl.recv()
	r, ok := m.(*usbip.RetSubmit)
	if !ok || r.Seqnum != seq {
		cl.t.Fatalf("want RET_SUBMIT seqnum %d, got %+v", seq, m)
	}
	return r
}

// control runs one control transfer and returns status and data.
func (cl *client) control(st usbip.Setup, out []byte) (int32, []byte) {
	cl.t.Helper()
	seq := cl.send(0, st.IsIn(), int(st.Length), st, out)
	r := cl.recvSubmit(seq)
	return r.Status, r.Data
}

func (cl *client) getDescriptor(typ, index uint8, length uint16) (int32, []byte) {
	lang := uint16(0)
	if typ == descString && index != 0 {
		lang = 0x0409
	}
	return cl.control(usbip.Setup{RequestType: 0x80, Request: reqGetDescriptor, Value: uint16(typ)<<8 | uint16(index), Index: lang, Length: length}, nil)
}

// transfer writes cmd to the OUT endpoint and reads up to n bytes from
// the IN endpoint.
func (cl *client) transfer(out, in uint8, cmd []byte, n int) []byte {
	cl.t.Helper()
	seqIn := cl.send(in, true, n, usbip.Setup{}, nil)
	seqOut := cl.send(out, false, len(cmd), usbip.Setup{}, cmd)
	var got []byte
	for range 2 {
		r := cl.recv().(*usbip.RetSubmit)
		if r.Status != 0 {
			cl.t.Fatalf("seqnum %d: status %d", r.Seqnum, r.Status)
		}
		switch r.Seqnum {
		case seqIn:
			got = r.Data
		case seqOut:
			if int(r.ActualLength) != len(cmd) {
				cl.t.Fatalf("OUT actual_length %d, want %d", r.ActualLength, len(cmd))
			}
		default:
			cl.t.Fatalf("unexpected seqnum %d", r.Seqnum)
		}
	}
	return got
}

func hexs(b []byte) string { return fmt.Sprintf("% x", b) }
