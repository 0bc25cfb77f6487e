package station

import (
	"cmp"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// Every response — the page, the API, errors — forbids framing (a framed
// START button can be clicked by someone who thinks they press something
// else) and carries the page's content policy.
func TestResponsesForbidFraming(t *testing.T) {
	r := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8"})
	for _, page := range []bool{false, true} {
		r.st.opts.Page = nil
		if page {
			r.st.opts.Page = fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>x</title>")}}
		}
		h := r.st.Handler(r.reg)
		for _, tc := range []struct{ method, path string }{
			{"GET", "/"}, {"GET", "/api/slots"}, {"GET", "/healthz"}, {"GET", "/metrics"},
			{"GET", "/api/nothing"}, {"POST", "/api/cycle"}, {"GET", "/no-such-file"},
		} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			hd := rec.Result().Header
			csp := hd.Get("Content-Security-Policy")
			if hd.Get("X-Frame-Options") != "DENY" || !strings.Contains(csp, "frame-ancestors 'none'") ||
				!strings.Contains(csp, "default-src 'self'") || hd.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("page %v: %s %s (%d): X-Frame-Options %q, CSP %q, nosniff %q", page, tc.method, tc.path, rec.Code,
					hd.Get("X-Frame-Options"), csp, hd.Get("X-Content-Type-Options"))
			}
		}
	}
}

// The example deployment listens on every interface with a token. The
// kiosk's browser on the station itself opens http://127.0.0.1:8080/ and
// presses START without the token, as station.example.toml says; a page of
// another site in that same browser must still not press it (rebound name,
// cross-site Origin, Sec-Fetch-Site), and a client on another host still
// needs the token.
func TestKioskOnLoopbackNeedsNoTokenOnAnOpenListener(t *testing.T) {
	r := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8"})
	r.st.opts.Token, r.st.opts.LoopbackOnly = "s3cret", false
	srv := httptest.NewServer(r.st.Handler(r.reg))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]

	// The kiosk's own press: a real connection from 127.0.0.1, as the
	// page's fetch sends it.
	req, _ := http.NewRequest("POST", srv.URL+"/api/cycle?source=web", nil)
	req.Header.Set("Origin", srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("the kiosk's START from 127.0.0.1 without a token: %s, want 202", resp.Status)
	}
	r.waitFor(t, "cycle end", r.st.Idle)

	for _, tc := range []struct {
		name                     string
		remote                   string // the peer; "" is the real loopback connection
		method, path, host, auth string
		hdr                      map[string]string
		want                     int
	}{
		{name: "kiosk abort", method: "POST", path: "/api/abort", hdr: map[string]string{"Origin": srv.URL, "Sec-Fetch-Site": "same-origin"}, want: 200},
		{name: "localhost name", method: "POST", path: "/api/abort", host: "localhost:" + port, want: 200},
		{name: "curl on the station", method: "POST", path: "/api/abort", want: 200},
		{name: "backup on the station", method: "GET", path: "/api/backup", want: 200},
		{name: "rebound name", method: "POST", path: "/api/abort", host: "evil.example:" + port, want: 401},
		{name: "station's LAN name", method: "POST", path: "/api/abort", host: "line-3-flash-1:" + port, want: 401},
		{name: "rebound name with token", method: "POST", path: "/api/abort", host: "evil.example:" + port, auth: "Bearer s3cret", want: 200},
		{name: "cross-site press", method: "POST", path: "/api/abort", hdr: map[string]string{"Origin": "http://evil.example"}, want: 403},
		{name: "opaque origin press", method: "POST", path: "/api/abort", hdr: map[string]string{"Origin": "null"}, want: 403},
		{name: "other port press", method: "POST", path: "/api/abort", hdr: map[string]string{"Origin": "http://127.0.0.1:1"}, want: 403},
		{name: "cross-site navigation", method: "GET", path: "/api/backup", hdr: map[string]string{"Sec-Fetch-Site": "cross-site"}, want: 403},
		{name: "same-site press", method: "POST", path: "/api/abort", hdr: map[string]string{"Sec-Fetch-Site": "same-site"}, want: 403},
		{name: "other host", remote: "192.0.2.7:40000", method: "POST", path: "/api/abort", host: "127.0.0.1:" + port, want: 401},
		{name: "other host, IPv6", remote: "[2001:db8::7]:40000", method: "POST", path: "/api/cycle", host: "[::1]:" + port, want: 401},
		{name: "other host, backup", remote: "192.0.2.7:40000", method: "GET", path: "/api/backup", host: "127.0.0.1:" + port, want: 401},
		{name: "other host, wrong token", remote: "192.0.2.7:40000", method: "POST", path: "/api/abort", auth: "Bearer nope", want: 401},
		{name: "other host, token", remote: "192.0.2.7:40000", method: "POST", path: "/api/abort", auth: "Bearer s3cret", want: 200},
		{name: "other host reads", remote: "192.0.2.7:40000", method: "GET", path: "/api/slots", want: 200},
	} {
		var code int
		var body string
		if tc.remote == "" {
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
			if tc.host != "" {
				req.Host = tc.host
			}
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			for k, v := range tc.hdr {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			code, body = resp.StatusCode, string(b)
		} else {
			// A peer on another host cannot be had on loopback: the
			// handler sees what net/http would fill in for one.
			req := httptest.NewRequest(tc.method, tc.path, nil)
			req.RemoteAddr = tc.remote
			req.Host = cmp.Or(tc.host, "line-3-flash-1:8080")
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			rec := httptest.NewRecorder()
			r.st.Handler(r.reg).ServeHTTP(rec, req)
			code, body = rec.Code, rec.Body.String()
		}
		if code != tc.want {
			t.Errorf("%s: %s %s = %d %.200q, want %d", tc.name, tc.method, tc.path, code, body, tc.want)
		}
		if code == 401 && !strings.Contains(body, "Bearer TOKEN") {
			t.Errorf("%s: a 401 that does not say what to send: %q", tc.name, body)
		}
	}
}
