package station

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// abuseLimits are small so that a test can go past them on loopback.
var abuseLimits = ServerLimits{
	ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second,
	IdleTimeout: 5 * time.Second, MaxHeaderBytes: 4 << 10,
	MaxConns: 24, MaxConnsPerHost: 6, LocalReserve: 4,
}

// smallBuffers gives every accepted connection a small send buffer, so
// that a client that never reads blocks the station's writes after a few
// KiB instead of megabytes.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4 << 10)
	}
	return c, err
}

// serveLimited serves the rig's handler as `serve` does: NewServer on a
// LimitListener, on 127.0.0.1.
func serveLimited(t *testing.T, r *rig, l ServerLimits) (addr string, ll *limitListener) {
	t.Helper()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := LimitListener(smallBuffers{raw}, l, quiet)
	srv := NewServer(r.st.Handler(r.reg), l)
	done := make(chan struct{})
	go func() { srv.Serve(ln); close(done) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		srv.Close()
		<-done
	})
	return raw.Addr().String(), ln.(*limitListener)
}

// dialFrom connects to addr from a loopback source address such as
// 127.0.0.2, with a small receive buffer: to the station, another host
// (only 127.0.0.1 and ::1 are its own screen).
func dialFrom(t *testing.T, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second,
		Control: func(_, _ string, rc syscall.RawConn) error {
			return rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10) })
		}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s from %s: %v", addr, src, err)
	}
	return c
}

// client makes one new connection per request from src.
func client(src string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func waitUntil(t *testing.T, what string, ok func() bool, status func() string) {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("gave up waiting for %s: %s", what, status())
		}
	}
}

// TestServerHoldsUnderAbuse: clients on other addresses open far more
// connections than the limits allow — idle ones, ones that trickle their
// headers or body, event streams that never read — while the station
// runs. The connections past the limits are refused at once; /healthz and
// the operator page still answer from the station's own 127.0.0.1; a
// cycle completes; the station drops every abuser by itself (timeouts,
// write deadlines) while their sockets stay open; and the goroutines come
// back to where they were.
func TestServerHoldsUnderAbuse(t *testing.T) {
	r := newRig(t, rigOpts{spec: "2*cmsis-dap-v2:stm32f103c8"})
	r.st.opts.StreamWriteTimeout = 300 * time.Millisecond
	addr, ll := serveLimited(t, r, abuseLimits)
	lim := ll.lim
	base := "http://" + addr
	local := client("127.0.0.1")
	if code, _ := get(t, local, base+"/healthz"); code != 200 {
		t.Fatalf("/healthz before the abuse: %d", code)
	}
	waitUntil(t, "no connection open", func() bool { return lim.open() == 0 }, func() string { return fmt.Sprint(lim.open(), " open") })
	goroutines := runtime.NumGoroutine()

	const hosts, perHost = 6, 10 // 60 connections: past MaxConns, MaxConnsPerHost, the reserve
	var conns []net.Conn
	var streams []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for h := range hosts {
		src := fmt.Sprintf("127.0.0.%d", 2+h)
		for i := range perHost {
			c := dialFrom(t, src, addr)
			conns = append(conns, c)
			switch i % 5 {
			case 0: // idle: connects and says nothing
			case 4: // one request, then idle with the connection kept alive
				fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
			case 1: // slow headers
				fmt.Fprintf(c, "GET /api/slots HTTP/1.1\r\nHost: %s\r\n", addr)
			case 2: // slow body
				fmt.Fprintf(c, "POST /api/abort HTTP/1.1\r\nHost: %s\r\nContent-Length: 4000\r\n\r\n{\"slot\":", addr)
			case 3: // an event stream it never reads
				fmt.Fprintf(c, "GET /api/events HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
				streams = append(streams, c)
			}
		}
	}
	held := abuseLimits.MaxConns - abuseLimits.LocalReserve
	waitUntil(t, "the abusers to fill every place but the reserve", func() bool { return othersOpen(lim) >= held }, func() string { return fmt.Sprint(lim.open(), " open") })
	if n := othersOpen(lim); n > held {
		t.Errorf("%d connections from other addresses held open, the limit is %d", n, held)
	}
	// The station's own screen still gets in, from the reserve.
	if code, body := get(t, local, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz under abuse: %d %q", code, body)
	}
	if code, body := get(t, local, base+"/"); code != 200 || !strings.Contains(body, "operator page") {
		t.Errorf("the operator page under abuse: %d %.100q", code, body)
	}
	// Headers past MaxHeaderBytes (plus net/http's 4 KiB of slack) are
	// refused.
	req, _ := http.NewRequest("GET", base+"/healthz", nil)
	req.Header.Set("X-Padding", strings.Repeat("p", 3*abuseLimits.MaxHeaderBytes))
	if resp, err := local.Do(req); err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a %d-byte header: %v %v, want 431", 3*abuseLimits.MaxHeaderBytes, resp, err)
	} else {
		resp.Body.Close()
	}
	// Any other address is answered 503 and closed at once: the rest is
	// taken. (It sends nothing, so the close cannot reset the answer away.)
	other := dialFrom(t, "127.0.0.99", addr)
	other.SetReadDeadline(time.Now().Add(abuseLimits.ReadHeaderTimeout / 2))
	if line, err := bufio.NewReader(other).ReadString('\n'); !strings.HasPrefix(line, "HTTP/1.1 503 ") {
		t.Errorf("a new connection from another address: %q %v, want a 503 before any timeout", line, err)
	}
	other.Close()
	// The workers are not touched: a cycle runs to its end.
	res := r.cycle(t)
	for _, name := range res.Slots {
		if v := r.slot(name); v.State != StatePass {
			t.Errorf("slot %s after a cycle under abuse: %s %s", name, v.State, v.Reason)
		}
	}

	if n := othersOpen(lim); n != held {
		t.Fatalf("%d connections held after the checks, want %d (fewer: the abusers were dropped before the checks ran, which proved nothing)", n, held)
	}

	// Every connection past the limits was refused at Accept, without a
	// goroutine and without waiting for a timeout.
	if want := int64(hosts*perHost - held); ll.refused.Load() < want {
		t.Errorf("%d of %d abusive connections refused, want at least %d (the limits hold %d)", ll.refused.Load(), hosts*perHost, want, held)
	}

	// Fill the streams nobody reads: each write waits at most
	// StreamWriteTimeout, then the stream ends.
	big := strings.Repeat("x", 8<<10)
	for range 200 {
		r.st.events.publish("slot", big)
	}
	// With the abusers' sockets still open, the station lets go of all of
	// them: timeouts for the slow and idle ones, write deadlines for the
	// streams.
	waitUntil(t, "the station to drop every abusive connection", func() bool {
		return lim.open() == 0 && r.st.streams.open() == 0
	}, func() string {
		return fmt.Sprintf("%d connections, %d event streams still held; goroutines:\n%s", lim.open(), r.st.streams.open(), stacks())
	})
	for _, c := range conns {
		c.Close()
	}
	waitUntil(t, "the goroutines back near where they were", func() bool {
		return runtime.NumGoroutine() <= goroutines+2
	}, func() string {
		return fmt.Sprintf("%d goroutines, %d before the abuse:\n%s", runtime.NumGoroutine(), goroutines, stacks())
	})
	if len(streams) == 0 {
		t.Fatal("no event stream among the abusers: the test lost its point")
	}
}

// othersOpen counts the places held by addresses other than the
// station's own.
func othersOpen(h *hostLimiter) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for host, c := range h.byHost {
		if !stationAddr(net.ParseIP(host)) {
			n += c
		}
	}
	return n
}

func stacks() string {
	buf := make([]byte, 1<<20)
	s := string(buf[:runtime.Stack(buf, true)])
	if len(s) > 8000 {
		s = s[:8000] + "…"
	}
	return s
}

// An event stream that reads outlives the server's read and write
// timeouts (they bound requests, not streams) and gets a cycle's events;
// the number of streams is bounded, per address and in all, with the last
// places kept for the station's own screen.
func TestEventStreamsOutliveTimeoutsAndAreBounded(t *testing.T) {
	r := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8"})
	r.st.streams = newHostLimiter(4, 1, 1)
	l := abuseLimits
	l.ReadTimeout, l.WriteTimeout, l.ReadHeaderTimeout, l.IdleTimeout = 200*time.Millisecond, 200*time.Millisecond, 200*time.Millisecond, 200*time.Millisecond
	addr, _ := serveLimited(t, r, l)
	base := "http://" + addr

	open := func(src string) (*http.Response, error) {
		c := client(src)
		c.Timeout = 0 // a stream
		return c.Get(base + "/api/events")
	}
	good, err := open("127.0.0.1")
	if err != nil || good.StatusCode != 200 {
		t.Fatalf("event stream: %v %v", good, err)
	}
	defer good.Body.Close()
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(good.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()

	for _, tc := range []struct {
		src  string
		want int
	}{
		{"127.0.0.2", 200},
		{"127.0.0.2", 503}, // one a host
		{"127.0.0.3", 200},
		{"127.0.0.4", 503}, // the last place is the station's own
		{"127.0.0.1", 200},
		{"127.0.0.1", 503}, // all four taken
	} {
		resp, err := open(tc.src)
		if err != nil {
			t.Fatalf("stream from %s: %v", tc.src, err)
		}
		if resp.StatusCode != 200 {
			b, _ := io.ReadAll(resp.Body)
			if !strings.Contains(string(b), "event stream refused") {
				t.Errorf("a refused stream says %q", b)
			}
		}
		if resp.StatusCode != tc.want {
			t.Errorf("stream from %s: %d, want %d", tc.src, resp.StatusCode, tc.want)
		}
		defer resp.Body.Close()
	}

	// Past every timeout of the server, the first stream still carries a
	// cycle from start to end.
	time.Sleep(3 * l.ReadTimeout)
	r.st.Cycle("api")
	timeout := time.After(20 * time.Second)
	for ended := false; !ended; {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("the event stream ended before the cycle did")
			}
			ended = strings.HasPrefix(line, "data: ") && strings.Contains(line, `"state":"ended"`)
		case <-timeout:
			t.Fatal("no cycle end on the event stream")
		}
	}
}
