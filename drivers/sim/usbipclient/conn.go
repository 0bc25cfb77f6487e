package usbipclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/sim/usbip"
)

// ErrStall: the device answered STALL (-EPIPE).
var ErrStall = errors.New("usbip: endpoint stalled")

// conn is one imported device: URBs out, replies dispatched by seqnum.
type conn struct {
	c   net.Conn
	dev usbip.Device

	mu      sync.Mutex
	seq     uint32
	waiting map[uint32]chan any // RET_SUBMIT or RET_UNLINK by seqnum
	isIn    map[uint32]bool
	err     error // why the reader stopped
	done    chan struct{}
}

// importDevice connects to addr and imports busid. A device busy for a
// moment — the server still winding down the session this client just
// closed — is tried again for up to half a second.
func importDevice(ctx context.Context, addr, busid string) (*conn, error) {
	for wait := 5 * time.Millisecond; ; wait *= 2 {
		k, busy, err := importOnce(ctx, addr, busid)
		if !busy || wait > 300*time.Millisecond {
			return k, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
	}
}

func importOnce(ctx context.Context, addr, busid string) (k *conn, busy bool, err error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, false, fmt.Errorf("usbipclient: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	req, err := usbip.EncodeReqImport(busid)
	if err == nil {
		_, err = c.Write(req)
	}
	var h usbip.OpHeader
	if err == nil {
		h, err = usbip.ReadOpHeader(c)
	}
	if err == nil && (h.Code != usbip.OpRepImport || h.Status != usbip.StOK) {
		err = fmt.Errorf("import refused (code 0x%04x, status %d%s)", h.Code, h.Status, statusName(h.Status))
	}
	var dev usbip.Device
	if err == nil {
		dev, err = usbip.DecodeRepImport(c)
	}
	if err != nil {
		c.Close()
		return nil, h.Status == usbip.StDevBusy, fmt.Errorf("usbipclient: import %s from %s: %w", busid, addr, err)
	}
	k = &conn{c: c, dev: dev, waiting: map[uint32]chan any{}, isIn: map[uint32]bool{}, done: make(chan struct{})}
	go k.readLoop()
	return k, false, nil
}

func statusName(st uint32) string {
	switch st {
	case usbip.StDevBusy:
		return ": device busy, imported by another client"
	case usbip.StNoDev:
		return ": no such device"
	}
	return ""
}

func (k *conn) readLoop() {
	defer close(k.done)
	for {
		m, err := usbip.ReadReturn(k.c, func(seq uint32) bool {
			k.mu.Lock()
			defer k.mu.Unlock()
			return k.isIn[seq]
		})
		if err != nil {
			k.mu.Lock()
			k.err = err
			k.mu.Unlock()
			return
		}
		var seq uint32
		switch r := m.(type) {
		case *usbip.RetSubmit:
			seq = r.Seqnum
		case *usbip.RetUnlink:
			seq = r.Seqnum
		}
		k.mu.Lock()
		ch := k.waiting[seq]
		delete(k.waiting, seq)
		delete(k.isIn, seq)
		k.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
}

// submit sends one URB and waits for its RET_SUBMIT; when ctx ends first
// it unlinks the URB (as libusb_cancel_transfer does) and reports the
// timeout, unless the URB completed meanwhile.
func (k *conn) submit(ctx context.Context, ep uint8, in bool, setup usbip.Setup, data []byte, length int) (*usbip.RetSubmit, error) {
	k.mu.Lock()
	if k.err != nil {
		k.mu.Unlock()
		return nil, fmt.Errorf("usbipclient: %s: %w", k.dev.BusID, link.ErrDisconnected)
	}
	k.seq++
	seq := k.seq
	ch := make(chan any, 1)
	k.waiting[seq] = ch
	k.isIn[seq] = in
	k.mu.Unlock()
	cmd := usbip.CmdSubmit{Basic: usbip.Basic{Seqnum: seq, DevID: k.dev.DevID(), EP: uint32(ep & 0x0F)},
		TransferBufferLength: uint32(length), NumberOfPackets: usbip.NoISO, Setup: setup.Bytes()}
	if in {
		cmd.Direction, cmd.TransferFlags = usbip.DirIn, usbip.FlagDirIn
	} else {
		cmd.Data = data
	}
	if _, err := k.c.Write(cmd.Encode()); err != nil {
		return nil, fmt.Errorf("usbipclient: %s: %v: %w", k.dev.BusID, err, link.ErrDisconnected)
	}
	select {
	case m := <-ch:
		return m.(*usbip.RetSubmit), nil
	case <-k.done:
		return nil, fmt.Errorf("usbipclient: %s: connection closed: %w", k.dev.BusID, link.ErrDisconnected)
	case <-ctx.Done():
	}
	// Cancel: CMD_UNLINK, then whichever reply comes.
	k.mu.Lock()
	k.seq++
	useq := k.seq
	uch := make(chan any, 1)
	k.waiting[useq] = uch
	k.mu.Unlock()
	un := usbip.CmdUnlink{Basic: usbip.Basic{Seqnum: useq, DevID: k.dev.DevID()}, UnlinkSeqnum: seq}
	if _, err := k.c.Write(un.Encode()); err != nil {
		return nil, fmt.Errorf("usbipclient: %s: %v: %w", k.dev.BusID, err, link.ErrDisconnected)
	}
	for {
		select {
		case m := <-ch:
			// Completed before the unlink arrived: the data is good.
			return m.(*usbip.RetSubmit), nil
		case m := <-uch:
			if r := m.(*usbip.RetUnlink); r.Status == usbip.ErrnoECONNRESET {
				k.mu.Lock()
				delete(k.waiting, seq)
				delete(k.isIn, seq)
				k.mu.Unlock()
				return nil, fmt.Errorf("usbipclient: %s ep %02x: %w (%w)", k.dev.BusID, ep, link.ErrTimeout, ctx.Err())
			}
			// Status 0: RET_SUBMIT is (or was) on its way.
			uch = nil
		case <-k.done:
			return nil, fmt.Errorf("usbipclient: %s: connection closed: %w", k.dev.BusID, link.ErrDisconnected)
		}
	}
}

// control runs one control transfer on ep0.
func (k *conn) control(ctx context.Context, st usbip.Setup, data []byte) ([]byte, error) {
	r, err := k.submit(ctx, 0, st.IsIn(), st, data, max(int(st.Length), len(data)))
	if err != nil {
		return nil, err
	}
	if err := statusErr(r.Status); err != nil {
		return nil, fmt.Errorf("usbipclient: %s ep0 %s: %w", k.dev.BusID, st, err)
	}
	return r.Data, nil
}

func statusErr(st int32) error {
	switch st {
	case 0:
		return nil
	case usbip.ErrnoEPIPE:
		return ErrStall
	case usbip.ErrnoENODEV, usbip.ErrnoESHUTDOWN:
		return link.ErrDisconnected
	case usbip.ErrnoEPROTO, usbip.ErrnoETIMEDOUT:
		return fmt.Errorf("transfer error %d: %w", st, link.ErrTimeout)
	}
	return fmt.Errorf("transfer status %d", st)
}

func (k *conn) close() error {
	err := k.c.Close()
	<-k.done
	return err
}
