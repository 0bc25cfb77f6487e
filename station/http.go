package station

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/flashstation/flashstation/jobs"
)

const (
	maxBody         = 4 << 10
	maxAttemptsList = 1000
)

// Handler serves the API, the events, the metrics of gatherer and the
// operator page.
func (s *Station) Handler(gatherer prometheus.Gatherer) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/slots", s.getSlots)
	mux.HandleFunc("GET /api/events", s.getEvents)
	mux.HandleFunc("POST /api/cycle", s.mutating(s.postCycle))
	mux.HandleFunc("POST /api/abort", s.mutating(s.postAbort))
	mux.HandleFunc("GET /api/stats", s.getStats)
	mux.HandleFunc("GET /api/units/{uid}", s.getUnit)
	mux.HandleFunc("GET /api/attempts", s.getAttempts)
	// The whole database: token-protected like the mutating endpoints.
	mux.HandleFunc("GET /api/backup", s.mutating(s.getBackup))
	mux.Handle("GET /metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	if s.opts.Page != nil {
		mux.Handle("GET /", http.FileServerFS(s.opts.Page))
	} else {
		mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			io.WriteString(w, "operator page not built into this binary; the API is at /api/slots\n")
		})
	}
	h := apiErrorsAsJSON(mux)
	if s.opts.LoopbackOnly {
		h = loopbackGuard(h)
	}
	return securityHeaders(h)
}

// pagePolicy lets the operator page load its own script, style and event
// stream and nothing else (it has no inline script or style attribute;
// app.js sets styles through the DOM, which CSP allows), and no page of
// any site may frame it: a framed START button could be clicked by a
// visitor who thinks they press something else.
const pagePolicy = "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'none'; frame-ancestors 'none'"

// securityHeaders sets the framing and content policy on every response,
// the page's and the API's, errors included.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", pagePolicy)
		hd.Set("X-Frame-Options", "DENY") // for browsers older than CSP's frame-ancestors
		hd.Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

// loopbackGuard stands in for the token on a loopback-only listener, where
// the operator's browser is the boundary. It refuses requests whose Host
// is not a loopback name (a page on another site that rebinds its name to
// 127.0.0.1 would otherwise read the API and the backup), and requests
// that change something when a page of another origin sent them (a plain
// cross-site form POST needs no CORS permission).
func loopbackGuard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopbackHost(r.Host) {
			httpError(w, http.StatusForbidden, fmt.Sprintf("Host %q is not a loopback name: this station listens on loopback only (open it as http://127.0.0.1:PORT or http://localhost:PORT)", r.Host))
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if o := r.Header.Get("Origin"); o != "" && !sameOrigin(o, r.Host) {
				httpError(w, http.StatusForbidden, fmt.Sprintf("cross-site request refused: Origin %q is not this station (%s)", o, r.Host))
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && strings.EqualFold(u.Host, host)
}

// apiErrorsAsJSON answers unknown /api/ paths and wrong methods with the
// API's JSON errors (404, 405 with Allow) instead of the mux's plain text,
// or the operator page that "GET /" would serve.
func apiErrorsAsJSON(mux *http.ServeMux) http.Handler {
	routed := func(r *http.Request) bool {
		_, p := mux.Handler(r)
		return p != "" && p != "GET /"
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/") || routed(r) {
			mux.ServeHTTP(w, r)
			return
		}
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if routed(probe) {
				w.Header().Set("Allow", m)
				httpError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s %s: this endpoint takes %s", r.Method, r.URL.Path, m))
				return
			}
		}
		httpError(w, http.StatusNotFound, "no API endpoint "+r.URL.Path+" (see /api/slots, /api/events, /api/cycle, /api/abort, /api/stats, /api/units/{uid}, /api/attempts, /api/backup)")
	})
}

// LoopbackOnly reports whether a listen address accepts loopback
// connections only ("127.0.0.1:8080", "[::1]:80", "localhost:8080").
func LoopbackOnly(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// mutating checks the token and limits the body. Without the token, a
// request must come from the station itself (a loopback-only listener,
// or a loopback peer) and pass sameMachineBrowser: the kiosk's browser on
// 127.0.0.1 presses START without one, a page of another site in it
// cannot.
func (s *Station) mutating(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.tokenOK(r) {
			local := s.opts.LoopbackOnly || loopbackPeer(r.RemoteAddr)
			switch why := sameMachineBrowser(r); {
			case local && why == "":
			case local && strings.HasPrefix(why, "cross-site"):
				httpError(w, http.StatusForbidden, why)
				return
			default:
				msg := "this listener is not loopback-only: send Authorization: Bearer TOKEN (http.token in station.toml)"
				if local {
					msg = "a request from this machine needs no token only when addressed to 127.0.0.1 or localhost; " + why + ": send Authorization: Bearer TOKEN (http.token in station.toml)"
				}
				w.Header().Set("WWW-Authenticate", `Bearer realm="flashstation"`)
				httpError(w, http.StatusUnauthorized, msg)
				return
			}
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		h(w, r)
	}
}

func (s *Station) tokenOK(r *http.Request) bool {
	got, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return s.opts.Token != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.opts.Token)) == 1
}

// loopbackPeer reports whether the connection came from this machine.
func loopbackPeer(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sameMachineBrowser says why a request from a loopback peer may not
// stand in for the token ("" when it may). The peer alone proves little:
// a browser on the station runs other sites' pages too. So the request
// must name the station by a loopback name (a site whose name was rebound
// to 127.0.0.1 sends its own), must not come from a page of another
// origin (Origin, which browsers send on every cross-origin POST, "null"
// included), and must not be a cross-site navigation or subresource
// (Sec-Fetch-Site, which browsers send on every request they make).
func sameMachineBrowser(r *http.Request) string {
	if !loopbackHost(r.Host) {
		return fmt.Sprintf("Host %q is not a loopback name", r.Host)
	}
	if o := r.Header.Get("Origin"); o != "" && !sameOrigin(o, r.Host) {
		return fmt.Sprintf("cross-site request refused: Origin %q is not this station (%s)", o, r.Host)
	}
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "", "same-origin", "none":
	default:
		return fmt.Sprintf("cross-site request refused: the browser says it came from a %s page (Sec-Fetch-Site)", site)
	}
	return ""
}

func (s *Station) getSlots(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	resp := SlotsResponse{Station: s.opts.Name, Mode: s.opts.Mode, Cycle: s.cycles, Running: s.cycle != nil, LastCycle: s.lastCycle}
	s.mu.Unlock()
	resp.Slots = s.Slots()
	resp.Unassigned = s.Unassigned()
	if resp.Unassigned == nil {
		resp.Unassigned = []ProbeView{}
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Station) postCycle(w http.ResponseWriter, r *http.Request) {
	if _, err := io.Copy(io.Discard, r.Body); err != nil {
		bodyError(w, err)
		return
	}
	source := "api"
	if r.URL.Query().Get("source") == "web" {
		source = "web"
	}
	res := s.Cycle(source)
	code := http.StatusAccepted
	if !res.Started {
		code = http.StatusConflict
	}
	writeJSON(w, code, res)
}

func (s *Station) postAbort(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Slot string `json:"slot"`
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		bodyError(w, err)
		return
	}
	if len(strings.TrimSpace(string(data))) > 0 {
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil {
			httpError(w, http.StatusBadRequest, "body must be JSON such as {\"slot\": \"A1\"}: "+err.Error())
			return
		}
		if _, err := dec.Token(); err != io.EOF {
			httpError(w, http.StatusBadRequest, "body must be one JSON object such as {\"slot\": \"A1\"}: data after it")
			return
		}
		if _, ok := s.byName[body.Slot]; body.Slot != "" && !ok {
			httpError(w, http.StatusNotFound, fmt.Sprintf("no slot %q", body.Slot))
			return
		}
	}
	aborted := s.Abort(body.Slot)
	if aborted == nil {
		aborted = []string{}
	}
	writeJSON(w, http.StatusOK, map[string][]string{"aborted": aborted})
}

func (s *Station) getUnit(w http.ResponseWriter, r *http.Request) {
	uid, err := jobs.NormalizeUID(r.PathValue("uid"))
	if err != nil {
		httpError(w, http.StatusBadRequest, "unit id: "+err.Error())
		return
	}
	list, err := s.opts.Store.ByUnit(r.Context(), uid)
	if errors.Is(err, jobs.ErrNotFound) || (err == nil && len(list) == 0) {
		httpError(w, http.StatusNotFound, "no attempts recorded for unit "+uid)
		return
	}
	if err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"uid": uid, "attempts": list})
}

func (s *Station) getAttempts(w http.ResponseWriter, r *http.Request) {
	// url.Values from r.URL.Query() drops what it cannot decode (?since=%zz
	// became no bound at all); a malformed query is refused instead.
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		httpError(w, http.StatusBadRequest, "malformed query: "+err.Error())
		return
	}
	for k := range q {
		switch k {
		case "since", "until", "uid", "result", "recipe", "slot", "limit":
		default:
			httpError(w, http.StatusBadRequest, fmt.Sprintf("unknown query parameter %q (want since, until, uid, result, recipe, slot, limit)", k))
			return
		}
	}
	f, err := parseAttemptsQuery(q.Get, s.opts.Now())
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	list, err := s.opts.Store.Query(r.Context(), f)
	if err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if list == nil {
		list = []*jobs.Attempt{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"attempts": list})
}

// parseAttemptsQuery reads since=, until=, uid=, result=, recipe=, slot=,
// limit= (pure, fuzzed); until is exclusive, as units list --until.
func parseAttemptsQuery(get func(string) string, now time.Time) (jobs.Filter, error) {
	f := jobs.Filter{Newest: true, Limit: 100}
	if v := get("since"); v != "" {
		t, err := jobs.ParseTimeBound(v, now)
		if err != nil {
			return f, fmt.Errorf("since: %w", err)
		}
		f.Since = t
	}
	if v := get("until"); v != "" {
		t, err := jobs.ParseTimeBound(v, now)
		if err != nil {
			return f, fmt.Errorf("until: %w", err)
		}
		f.Until = t
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return f, fmt.Errorf("since %s is not before until %s", get("since"), get("until"))
	}
	if v := get("uid"); v != "" {
		uid, err := jobs.NormalizeUID(v)
		if err != nil {
			return f, fmt.Errorf("uid: %w", err)
		}
		f.UID = uid
	}
	if v := get("recipe"); v != "" {
		if len(v) > 256 {
			return f, errors.New("recipe: longer than 256 characters")
		}
		f.Recipe = v
	}
	if v := get("result"); v != "" {
		rs, err := jobs.ParseResults(v)
		if err != nil {
			return f, fmt.Errorf("result: %w", err)
		}
		f.Results = rs
	}
	if v := get("slot"); v != "" {
		if len(v) > 64 {
			return f, errors.New("slot: longer than 64 characters")
		}
		f.Slot = v
	}
	if v := get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxAttemptsList {
			return f, fmt.Errorf("limit: %q is not a number from 1 to %d", v, maxAttemptsList)
		}
		f.Limit = n
	}
	return f, nil
}

// getEvents streams slot and cycle events. A comment every 15 s keeps
// proxies from closing an idle stream. Each write has
// StreamWriteTimeout: a client that stops reading is dropped (the server's
// WriteTimeout would end every stream instead).
func (s *Station) getEvents(w http.ResponseWriter, r *http.Request) {
	release, why := s.streams.acquire(remoteIP(r.RemoteAddr))
	if release == nil {
		w.Header().Set("Retry-After", "10")
		httpError(w, http.StatusServiceUnavailable, "event stream refused: "+why)
		return
	}
	defer release()
	// (The server's ReadTimeout does not end the stream: net/http clears
	// the read deadline once the request is read.)
	rc := http.NewResponseController(w)
	ch, cancel := s.Events()
	defer cancel()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	// send writes under a fresh deadline and flushes; false: the client is
	// gone or stopped reading.
	send := func(write func()) bool {
		if err := rc.SetWriteDeadline(time.Now().Add(s.opts.StreamWriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return false
		}
		write()
		return rc.Flush() == nil
	}
	// Start with every slot, so a page that connects late is complete.
	if !send(func() {
		w.WriteHeader(http.StatusOK)
		for _, v := range s.Slots() {
			data, _ := json.Marshal(v)
			fmt.Fprintf(w, "event: slot\ndata: %s\n\n", data)
		}
	}) {
		return
	}
	keep := time.NewTicker(15 * time.Second)
	defer keep.Stop()
	for {
		var write func()
		select {
		case <-r.Context().Done():
			return
		case <-keep.C:
			write = func() { io.WriteString(w, ": keep-alive\n\n") }
		case m, ok := <-ch:
			if !ok {
				return
			}
			write = func() { fmt.Fprintf(w, "event: %s\ndata: %s\n\n", m.Event, m.Data) }
		}
		if !send(write) {
			return
		}
	}
}

// bodyError answers a body that could not be read: too large, or cut
// off (the client went away, or sent too slowly for the server's
// ReadTimeout).
func bodyError(w http.ResponseWriter, err error) {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		httpError(w, http.StatusRequestEntityTooLarge, "body too large (at most 4 KiB)")
		return
	}
	httpError(w, http.StatusBadRequest, "reading the body: "+err.Error())
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func httpError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// getBackup streams a consistent copy of the attempt database while the
// station keeps recording: the station holds the database's file lock, so
// a hot backup has to come from inside its process.
func (s *Station) getBackup(w http.ResponseWriter, r *http.Request) {
	b, ok := s.opts.Store.(interface {
		Backup(ctx context.Context, w io.Writer) (int64, error)
	})
	if !ok {
		httpError(w, http.StatusNotImplemented, "this station's store cannot make backups")
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="attempts-%s.db"`, s.opts.Now().UTC().Format("20060102T150405Z")))
	// A large database may take longer than the server's WriteTimeout over
	// a slow link: each write gets its own deadline instead, so a copy
	// that moves goes on and one that stalls is dropped.
	dw := &deadlineWriter{w: w, rc: http.NewResponseController(w), d: s.opts.StreamWriteTimeout}
	if _, err := b.Backup(r.Context(), dw); err != nil {
		// Headers are gone; a truncated body is all the client can see.
		s.log.Error("station: backup failed", "err", err)
	}
}

// deadlineWriter sets a write deadline of d before each write.
type deadlineWriter struct {
	w  io.Writer
	rc *http.ResponseController
	d  time.Duration
}

func (dw *deadlineWriter) Write(p []byte) (int, error) {
	if err := dw.rc.SetWriteDeadline(time.Now().Add(dw.d)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return 0, err
	}
	return dw.w.Write(p)
}
