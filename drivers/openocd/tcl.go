package openocd

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// terminator ends every Tcl RPC command and reply.
const terminator = 0x1A

// encodeCommand frames one command. OpenOCD reads up to the terminator, so
// a command must not contain one.
func encodeCommand(cmd string) ([]byte, error) {
	if bytes.IndexByte([]byte(cmd), terminator) >= 0 {
		return nil, errors.New("openocd: a Tcl command cannot contain byte 0x1A")
	}
	return append([]byte(cmd), terminator), nil
}

// tclConn is one Tcl RPC connection. Calls are sequential: OpenOCD runs one
// command at a time.
type tclConn struct {
	c net.Conn
	r *bufio.Reader
}

func dialTcl(ctx context.Context, addr string) (*tclConn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return &tclConn{c: c, r: bufio.NewReader(c)}, nil
}

// call sends cmd and returns the reply without its terminator. ctx ending
// breaks off the wait (the caller then kills OpenOCD: a half-read reply
// leaves the connection unusable).
func (t *tclConn) call(ctx context.Context, cmd string) (string, error) {
	frame, err := encodeCommand(cmd)
	if err != nil {
		return "", err
	}
	stop := context.AfterFunc(ctx, func() { t.c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := t.c.Write(frame); err != nil {
		return "", t.fail(ctx, err)
	}
	reply, err := t.r.ReadBytes(terminator)
	if err != nil {
		return "", t.fail(ctx, err)
	}
	return string(reply[:len(reply)-1]), nil
}

func (t *tclConn) fail(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("openocd: Tcl connection: %w", err)
}

func (t *tclConn) close() error { return t.c.Close() }
