package station

import (
	"context"
	"io"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/recipes"
	"github.com/flashstation/flashstation/targets"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// units list takes --until, --uid and --recipe; /api/attempts must too
// (until exclusive, as the CLI), not drop them.
func TestAttemptsQueryUntilUIDRecipe(t *testing.T) {
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	q := map[string]string{"until": "2025-03-01T08:00:00Z", "uid": "0x1F2E", "recipe": "blink"}
	f, err := parseAttemptsQuery(func(k string) string { return q[k] }, now)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Until.Equal(time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)) || f.UID != "1f2e" || f.Recipe != "blink" {
		t.Errorf("until/uid/recipe dropped: %+v", f)
	}
}

// A typo such as ?reslt=fail must be a 400 naming it, not the unfiltered
// newest 100.
func TestAttemptsRejectsUnknownParams(t *testing.T) {
	r := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8"})
	srv := httptest.NewServer(r.st.Handler(r.reg))
	defer srv.Close()
	r.cycle(t)
	for _, q := range []string{"reslt=fail", "since=1h&unitid=1f2e", "until=1h"} {
		resp, err := http.Get(srv.URL + "/api/attempts?" + q)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		io.Copy(&b, resp.Body)
		resp.Body.Close()
		if q == "until=1h" {
			if resp.StatusCode != 200 || strings.Contains(b.String(), `"result"`) {
				t.Errorf("?%s: %d %.120s; want 200 and no attempt (the only one started less than an hour ago)", q, resp.StatusCode, b.String())
			}
			continue
		}
		if resp.StatusCode != 400 {
			t.Errorf("?%s: %d %.120s; want 400 naming the parameter", q, resp.StatusCode, b.String())
		}
	}
}

// The operator tile (/api/slots, SSE) shows the UID in the normalised
// form every record, /api/units and the exports hold, so what the operator
// reads off the screen matches a search of an export.
func TestSlotUIDMatchesRecord(t *testing.T) {
	r := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8"})
	r.st.opts.Connect = func(ctx context.Context, p drivers.Probe, rc *recipes.Recipe) (targets.Session, error) {
		return &fakeSession{uid: []byte{0x1f, 0x2e, 0xab, 0xcd}}, nil
	}
	r.cycle(t)
	recs := allAttempts(t, r)
	if len(recs) != 1 {
		t.Fatalf("%d attempts", len(recs))
	}
	if got, want := r.slot("S01").UnitUID, recs[0].UnitUID; got != want {
		t.Errorf("/api/slots unit_uid %q, attempt record unit_uid %q", got, want)
	}
}
