package cmsisdap

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	// owed lists the command IDs of replies the host gave up reading (a
	// read timed out). They may still arrive — a probe answers every
	// command, in order — so before the next command the transport
	// resynchronises (see resync).
	owed []byte
	// cmdTimeout bounds each command's write and reply read.
	cmdTimeout time.Duration
}

// DefaultCommandTimeout bounds one command's round trip when OpenInfo sets
// none. A probe answers each command in microseconds to milliseconds; one
// that takes seconds is hung, and that is the station's fault, not the
// board's (OpenOCD gives each CMSIS-DAP transfer LIBUSB_TIMEOUT_MS, 6 s;
// stlink-org 3 s).
const DefaultCommandTimeout = 3 * time.Second

// Stale replies at open: OpenOCD's cmsis_dap_flush_read reads up to 64
// packets with a 10 ms timeout each before the first command, because
// "some CMSIS-DAP adapters keep buffered packets over USB close/open"
// (openocd src/jtag/drivers/cmsis_dap.c).
const (
	flushReads = 64
	flushWait  = 10 * time.Millisecond
)

func newTransport(l link.Link, v1 bool) *transport {
	t := &transport{l: l, v1: v1, packetSize: hidReportSize, inFlight: 1, cmdTimeout: DefaultCommandTimeout}
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
	if err := t.resync(ctx); err != nil {
		return err
	}
	return t.write(ctx, req)
}

// write writes one command with no resynchronisation.
func (t *transport) write(ctx context.Context, req []byte) error {
	if len(req) > t.packetSize {
		return fmt.Errorf("cmsisdap: %s of %d bytes exceeds the %d-byte packet", cmdName(req[0]), len(req), t.packetSize)
	}
	p := req
	if t.v1 {
		clear(t.wbuf)
		copy(t.wbuf, req)
		p = t.wbuf
	}
	cctx, cancel := context.WithTimeout(ctx, t.cmdTimeout)
	defer cancel()
	if _, err := t.l.Write(cctx, p); err != nil {
		return fmt.Errorf("cmsisdap: send %s: %w", cmdName(req[0]), timedOut(ctx, cctx, err))
	}
	return nil
}

// timedOut makes sure an error caused by the per-command deadline (and not
// by the caller's context) says link.ErrTimeout: whatever the Link
// reported, the probe did not answer in time.
func timedOut(ctx, cctx context.Context, err error) error {
	if ctx.Err() == nil && cctx.Err() != nil && !errors.Is(err, link.ErrTimeout) {
		return fmt.Errorf("%w (%w)", link.ErrTimeout, err)
	}
	return err
}

// recv reads one reply to cmd. The slice is valid until the next recv.
// Every reply echoes its command ID (or is the single byte 0xFF for an
// unknown command); one that does not belongs to an earlier command.
func (t *transport) recv(ctx context.Context, cmd byte) ([]byte, error) {
	cctx, cancel := context.WithTimeout(ctx, t.cmdTimeout)
	defer cancel()
	n, err := t.l.Read(cctx, t.rbuf)
	if err != nil {
		return nil, fmt.Errorf("cmsisdap: reply to %s: %w", cmdName(cmd), timedOut(ctx, cctx, err))
	}
	if n > 0 && t.rbuf[0] != cmd && t.rbuf[0] != 0xFF {
		return nil, fmt.Errorf("cmsisdap: reply to %s carries command 0x%02X: the probe is out of step (a reply was lost): %w",
			cmdName(cmd), t.rbuf[0], ErrBadReply)
	}
	return t.rbuf[:n], nil
}

// flush reads and discards whatever replies the probe still holds from a
// previous user (a process that timed out or was killed), before the first
// command: up to flushReads reads of flushWait each, until one times out.
func (t *transport) flush(ctx context.Context) (int, error) {
	for i := 0; i < flushReads; i++ {
		fctx, cancel := context.WithTimeout(ctx, flushWait)
		_, err := t.l.Read(fctx, t.rbuf)
		cancel()
		switch {
		case err == nil:
			continue
		case ctx.Err() != nil:
			return i, ctx.Err()
		case errors.Is(err, link.ErrTimeout) || fctx.Err() != nil:
			return i, nil
		default:
			return i, fmt.Errorf("cmsisdap: flushing stale replies: %w", err)
		}
	}
	return flushReads, nil
}

// Commands resync may use as a marker, in order of preference: DAP_Info
// (packet size), DAP_Delay of 0 µs, DAP_HostStatus (connect LED off).
// Each has no effect on the target.
var syncCommands = [][]byte{{cmdInfo, infoPacketSize}, {cmdDelay, 0, 0}, {cmdHostStatus, 0, 0}}

// resync brings host and probe back in step after replies were given up
// on. A late reply may come long after a short drain would have stopped
// waiting, and one with the same command ID as the next command would be
// taken for its reply. So resync sends a marker command whose ID none of
// the owed replies has and discards every reply up to the marker's: the
// probe answers in order, so whatever comes before it is stale. A marker
// that never answers means the probe is hung (link.ErrTimeout).
func (t *transport) resync(ctx context.Context) error {
	if len(t.owed) == 0 {
		return nil
	}
	var marker []byte
	for _, c := range syncCommands {
		if !slices.Contains(t.owed, c[0]) {
			marker = c
			break
		}
	}
	if err := t.write(ctx, marker); err != nil {
		return err
	}
	// At most the owed replies, plus any the probe still held, come first.
	for i := 0; i <= len(t.owed)+flushReads; i++ {
		cctx, cancel := context.WithTimeout(ctx, t.cmdTimeout)
		n, err := t.l.Read(cctx, t.rbuf)
		err = timedOut(ctx, cctx, err)
		cancel()
		if err != nil {
			return fmt.Errorf("cmsisdap: resynchronising after %d lost replies (%s marker): %w",
				len(t.owed), cmdName(marker[0]), err)
		}
		if n > 0 && t.rbuf[0] == marker[0] {
			t.owed = t.owed[:0]
			return nil
		}
	}
	return fmt.Errorf("cmsisdap: resynchronising: no answer to the %s marker among %d replies: %w",
		cmdName(marker[0]), len(t.owed)+flushReads+1, ErrBadReply)
}

// exchange sends one command and returns its reply.
func (t *transport) exchange(ctx context.Context, req []byte) ([]byte, error) {
	if err := t.send(ctx, req); err != nil {
		return nil, err
	}
	resp, err := t.recv(ctx, req[0])
	if err != nil {
		// Its reply may still come (a reply with another command's ID was
		// a stale one: this command's own is still to come).
		t.owed = append(t.owed, req[0])
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
			for _, r := range reqs[got:sent] {
				t.owed = append(t.owed, r[0])
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
