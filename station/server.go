package station

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// ServerLimits bound what clients can hold of the station's HTTP server,
// so that nobody who can connect takes the operator page, /healthz or the
// API offline: slow or idle connections are timed out, and connections
// past the limits are refused at once. Zero fields take the defaults
// (DefaultServerLimits); the defaults suit every fixture size, so
// station.toml does not set them.
type ServerLimits struct {
	ReadHeaderTimeout time.Duration // a request's line and headers (10 s)
	ReadTimeout       time.Duration // a whole request, body included (30 s)
	// WriteTimeout bounds a response (60 s); the event stream and the
	// backup instead give each write Options.StreamWriteTimeout.
	WriteTimeout   time.Duration
	IdleTimeout    time.Duration // a kept-alive connection between requests (60 s)
	MaxHeaderBytes int           // request line and headers (32 KiB)
	// MaxConns is how many connections may be open at once (256), of
	// which LocalReserve (16) only the station's own 127.0.0.1 and ::1
	// (the kiosk) may use; one address of any other host may hold
	// MaxConnsPerHost (32).
	MaxConns, MaxConnsPerHost, LocalReserve int
}

// DefaultServerLimits are the limits of `flashstation serve`.
var DefaultServerLimits = ServerLimits{
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       30 * time.Second,
	WriteTimeout:      60 * time.Second,
	IdleTimeout:       60 * time.Second,
	MaxHeaderBytes:    32 << 10,
	MaxConns:          256,
	MaxConnsPerHost:   32,
	LocalReserve:      16,
}

func (l ServerLimits) withDefaults() ServerLimits {
	d := DefaultServerLimits
	pick := func(v *time.Duration, dv time.Duration) {
		if *v <= 0 {
			*v = dv
		}
	}
	pick(&l.ReadHeaderTimeout, d.ReadHeaderTimeout)
	pick(&l.ReadTimeout, d.ReadTimeout)
	pick(&l.WriteTimeout, d.WriteTimeout)
	pick(&l.IdleTimeout, d.IdleTimeout)
	for _, f := range []struct {
		v  *int
		dv int
	}{
		{&l.MaxHeaderBytes, d.MaxHeaderBytes}, {&l.MaxConns, d.MaxConns},
		{&l.MaxConnsPerHost, d.MaxConnsPerHost}, {&l.LocalReserve, d.LocalReserve},
	} {
		if *f.v <= 0 {
			*f.v = f.dv
		}
	}
	if l.LocalReserve >= l.MaxConns {
		l.LocalReserve = l.MaxConns / 2
	}
	return l
}

// NewServer is the station's HTTP server for h (st.Handler), bounded by l.
// Serve it on LimitListener(ln, l, log).
func NewServer(h http.Handler, l ServerLimits) *http.Server {
	l = l.withDefaults()
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
	}
}

// LimitListener accepts from ln at most l.MaxConns connections at once
// (see ServerLimits). A connection past a limit is answered "503" and
// closed at once, without a goroutine, so a flood costs no descriptors
// beyond the limit and the connections already open keep working.
func LimitListener(ln net.Listener, l ServerLimits, log *slog.Logger) net.Listener {
	l = l.withDefaults()
	if log == nil {
		log = slog.Default()
	}
	return &limitListener{Listener: ln, lim: newHostLimiter(l.MaxConns, l.MaxConnsPerHost, l.LocalReserve), log: log}
}

type limitListener struct {
	net.Listener
	lim     *hostLimiter
	log     *slog.Logger
	refused atomic.Int64
	logged  atomic.Int64 // unix nanoseconds of the last refusal logged
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		release, why := l.lim.acquire(peerIP(c.RemoteAddr()))
		if release == nil {
			l.refuse(c, why)
			continue
		}
		return &limitedConn{Conn: c, release: release}, nil
	}
}

// refuse answers without reading the request: the client may see the 503
// or a reset, either way at once rather than after a timeout.
func (l *limitListener) refuse(c net.Conn, why string) {
	n := l.refused.Add(1)
	body := "flashstation: " + why + "; try again shortly\n"
	c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	fmt.Fprintf(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	c.Close()
	// One line per 10 s under a flood, not one per connection.
	now, last := time.Now().UnixNano(), l.logged.Load()
	if now-last > int64(10*time.Second) && l.logged.CompareAndSwap(last, now) {
		l.log.Warn("station: HTTP connection refused", "peer", c.RemoteAddr().String(), "why", why, "refused_total", n)
	}
}

// limitedConn gives its place back when the server closes it.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// hostLimiter counts holders (connections, event streams) by peer
// address: max in all, perHost from one address, and the last reserve of
// max only for the station's own addresses.
type hostLimiter struct {
	max, perHost, reserve int

	mu     sync.Mutex
	total  int
	byHost map[string]int
}

func newHostLimiter(max, perHost, reserve int) *hostLimiter {
	return &hostLimiter{max: max, perHost: perHost, reserve: reserve, byHost: map[string]int{}}
}

// acquire takes a place for a peer, or says why there is none (release
// is then nil). ip may be nil (not an IP peer): it counts as another host.
func (h *hostLimiter) acquire(ip net.IP) (release func(), why string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	own := stationAddr(ip)
	key := ip.String()
	switch {
	case h.total >= h.max:
		return nil, fmt.Sprintf("%d connections open, the most this station serves", h.total)
	case !own && h.total >= h.max-h.reserve:
		return nil, fmt.Sprintf("%d connections open; the last %d are kept for the station's own screen", h.total, h.reserve)
	case !own && h.byHost[key] >= h.perHost:
		return nil, fmt.Sprintf("%s holds %d connections, the most one address may", key, h.byHost[key])
	}
	h.total++
	h.byHost[key]++
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.total--
		if h.byHost[key]--; h.byHost[key] <= 0 {
			delete(h.byHost, key)
		}
	}, ""
}

// open is how many places are taken.
func (h *hostLimiter) open() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.total
}

// stationAddr reports whether ip is the station's own 127.0.0.1 or ::1,
// where its kiosk browser connects from. Other loopback addresses
// (127.0.0.2…) are possible only on purpose and get no reserve.
func stationAddr(ip net.IP) bool {
	return ip != nil && (ip.Equal(net.IPv4(127, 0, 0, 1)) || ip.Equal(net.IPv6loopback))
}

func peerIP(a net.Addr) net.IP {
	if a == nil {
		return nil
	}
	switch v := a.(type) {
	case *net.TCPAddr:
		return v.IP
	}
	return remoteIP(a.String())
}

func remoteIP(hostport string) net.IP {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil
	}
	return net.ParseIP(host)
}
