package station

import (
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
