package bitbang

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Stats counts what clients asked for.
type Stats struct {
	Conns   uint64 // connections served
	TCK     uint64 // rising TCK edges clocked into the chain
	Reads   uint64 // TDO samples
	Resets  uint64 // reset-line requests
	Blinks  uint64
	Ignored uint64 // bytes the protocol does not know
}

func (s *Stats) add(o Stats) {
	s.Conns += o.Conns
	s.TCK += o.TCK
	s.Reads += o.Reads
	s.Resets += o.Resets
	s.Blinks += o.Blinks
	s.Ignored += o.Ignored
}

// Server serves one Target to one client at a time.
type Server struct {
	t   Target
	log *slog.Logger

	mu    sync.Mutex
	stats Stats
}

// NewServer returns a server for t; log nil means slog.Default().
func NewServer(t Target, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	return &Server{t: t, log: log}
}

// Listen opens a TCP listener on the loopback interface only: the chip is
// for local tools, never for the network. Port 0 picks a free port.
func Listen(port int) (net.Listener, error) {
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return nil, fmt.Errorf("bitbang: listen: %w", err)
	}
	return ln, nil
}

// Stats returns the counts so far (a served connection's counts land when
// each batch of requests has been handled).
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Serve accepts clients on ln one at a time until ctx ends, then closes ln
// and any open connection and returns nil. Other errors end it early.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	defer ln.Close()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("bitbang: accept: %w", err)
		}
		s.log.Info("bitbang: client connected", "remote", c.RemoteAddr().String())
		err = s.serveConn(ctx, c)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			// A client that breaks off mid-stream is the client's problem;
			// the server stays up for the next one.
			s.log.Warn("bitbang: client connection failed", "err", err)
		default:
			s.log.Info("bitbang: client disconnected")
		}
	}
}

// serveConn answers one client until it quits or hangs up.
func (s *Server) serveConn(ctx context.Context, c net.Conn) error {
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	defer c.Close()
	r := bufio.NewReaderSize(c, 64<<10)
	bw := bufio.NewWriterSize(c, 4<<10)
	w := newWire(s.t, bw)
	defer w.release()
	s.addStats(Stats{Conns: 1})
	for {
		if r.Buffered() == 0 {
			// Everything sent so far is handled: answer the batch before
			// waiting for more.
			s.addStats(w.stats)
			w.stats = Stats{}
			if err := bw.Flush(); err != nil {
				return fmt.Errorf("bitbang: write: %w", err)
			}
		}
		var waited time.Time
		if r.Buffered() == 0 && s.t.Idle != nil {
			waited = time.Now()
		}
		b, err := r.ReadByte()
		if !waited.IsZero() {
			s.t.Idle(time.Since(waited))
		}
		if err != nil {
			if errors.Is(err, io.EOF) || ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("bitbang: read: %w", err)
		}
		quit, err := w.step(b)
		if err == nil && quit {
			err = bw.Flush()
		}
		if err != nil {
			return fmt.Errorf("bitbang: write: %w", err)
		}
		if quit {
			s.addStats(w.stats)
			return nil
		}
	}
}

func (s *Server) addStats(o Stats) {
	s.mu.Lock()
	s.stats.add(o)
	s.mu.Unlock()
}
