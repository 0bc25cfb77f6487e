package cmsisdap

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flashstation/flashstation/drivers/link"
)

// hidReportSize is the CMSIS-DAP v1 report: full-speed HID, no report IDs.
const hidReportSize = 64

// maxReadBuffer bounds a v2 read before DAP_Info says the packet size
// (high-speed bulk probes use 512; some use 1024).
const maxReadBuffer = 1024

// transport frames DAP commands on a Link.
type transport struct {
	l  link.Link
	v1 bool
	// packetSize is the largest command or reply, in bytes.
	packetSize int
	// inFlight is how many commands may be written before reading the
	// first reply (at most the probe's packet count).
	inFlight int
	wbuf     []byte
	rbuf     []byte
	// owed counts replies to commands already sent that the host gave up
	// reading (a read timed out). They may still arrive; they are drained
	// before the next command so no reply is taken for another's.
	owed int
}

// drainWait is how long a drain waits for each owed reply.
const drainWait = 50 * time.Millisecond

func newTransport(l link.Link, v1 bool) *transport {
	t := &transport{l: l, v1: v1, packetSize: hidReportSize, inFlight: 1}
	// Until DAP_Info 0xFF is known, read into a buffer large enough for
	// any report or packet: a HID stream read shorter than the report
	// leaves the rest to be taken as the next reply.
	t.rbuf = make([]byte, maxReadBuffer)
	if v1 {
		t.wbuf = make([]byte, hidReportSize)
	}
	return t
}

// setPacketSize applies DAP_Info 0xFF. Replies are read into exactly
// size bytes: a bulk IN transfer ends only on a short packet or a full
// buffer, and probes send no zero-length packet after a reply that fills
// whole endpoint packets (OpenOCD cmsis_dap_usb_read reads packet_size).
// v1 reports are padded to the announced size (OpenOCD and pyOCD use
// DAP_Info's size for HID too: EDBG 512, high-speed HID 1024).
func (t *transport) setPacketSize(size int) {
	t.packetSize = size
	t.rbuf = make([]byte, size)
	if t.v1 {
		t.wbuf = make([]byte, size)
	}
}

// send writes one command. v1 reports are zero padded to the report
// size, because the interrupt endpoint takes whole reports only.
func (t *transport) send(ctx context.Context, req []byte) error {
	t.drain(ctx)
	if len(req) > t.packetSize {
		return fmt.Errorf("cmsisdap: %s of %d bytes exceeds the %d-byte packet", cmdName(req[0]), len(req), t.packetSize)
	}
	p := req
	if t.v1 {
		clear(t.wbuf)
		copy(t.wbuf, req)
		p = t.wbuf
	}
	if _, err := t.l.Write(ctx, p); err != nil {
		return fmt.Errorf("cmsisdap: send %s: %w", cmdName(req[0]), err)
	}
	return nil
}

// recv reads one reply to cmd. The slice is valid until the next recv.
// Every reply echoes its command ID (or is the single byte 0xFF for an
// unknown command); one that does not belongs to an earlier command.
func (t *transport) recv(ctx context.Context, cmd byte) ([]byte, error) {
	n, err := t.l.Read(ctx, t.rbuf)
	if err != nil {
		return nil, fmt.Errorf("cmsisdap: reply to %s: %w", cmdName(cmd), err)
	}
	if n > 0 && t.rbuf[0] != cmd && t.rbuf[0] != 0xFF {
		return nil, fmt.Errorf("cmsisdap: reply to %s carries command 0x%02X: the probe is out of step (a reply was lost): %w",
			cmdName(cmd), t.rbuf[0], ErrBadReply)
	}
	return t.rbuf[:n], nil
}

// drain reads and discards the replies still owed, each for a short
// while; one that never comes was lost for good.
func (t *transport) drain(ctx context.Context) {
	for ; t.owed > 0; t.owed-- {
		dctx, cancel := context.WithTimeout(ctx, drainWait)
		_, err := t.l.Read(dctx, t.rbuf)
		cancel()
		if err != nil && ctx.Err() != nil {
			return
		}
	}
}

// exchange sends one command and returns its reply.
func (t *transport) exchange(ctx context.Context, req []byte) ([]byte, error) {
	if err := t.send(ctx, req); err != nil {
		return nil, err
	}
	resp, err := t.recv(ctx, req[0])
	if err != nil && !errors.Is(err, ErrBadReply) {
		t.owed++ // its reply may still come
	}
	return resp, err
}

// pipeline sends reqs keeping up to inFlight commands outstanding, and
// hands each reply to handle in order. After the first error no further
// command is sent, but replies to those already sent are still read so
// the probe and host stay in step; the first error is returned.
func (t *transport) pipeline(ctx context.Context, reqs [][]byte, handle func(i int, resp []byte) error) error {
	sent, got := 0, 0
	var first error
	for got < sent || (first == nil && sent < len(reqs)) {
		if first == nil && sent < len(reqs) && sent-got < t.inFlight {
			if err := t.send(ctx, reqs[sent]); err != nil {
				first = err
				continue
			}
			sent++
			continue
		}
		resp, err := t.recv(ctx, reqs[got][0])
		if err != nil {
			// A lost reply leaves the conversation unknowable; stop, and
			// owe the replies of every command still outstanding.
			if !errors.Is(err, ErrBadReply) {
				t.owed += sent - got
			} else {
				t.owed += sent - got - 1
			}
			return errors.Join(first, err)
		}
		if first == nil {
			first = handle(got, resp)
		}
		got++
	}
	return first
}
