package station

import (
	"bufio"
	"context"
	"encoding/json"
	"github.com/flashstation/flashstation/jobs"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestHTTPAuthLimitsAndInputs(t *testing.T) {
	r := newRig(t, rigOpts{spec: "2*cmsis-dap-v2:stm32f103c8"})
	r.st.opts.Token = "s3cret"
	srv := httptest.NewServer(fromOtherHost(r.st.Handler(r.reg)))
	defer srv.Close()
	r.cycle(t)
	uid := allAttempts(t, r)[0].UnitUID
	for _, tc := range []struct {
		method, path, auth, body string
		code                     int
		want                     string
	}{
		{"POST", "/api/cycle", "", "", 401, "Bearer"},
		{"POST", "/api/cycle", "Bearer wrong", "", 401, "Bearer"},
		{"POST", "/api/cycle", "Bearer s3cret", "", 202, `"started":true`},
		{"POST", "/api/abort", "Bearer s3cret", strings.Repeat("x", 5000), 413, "too large"},
		{"POST", "/api/abort", "Bearer s3cret", `{"slot": "Z9"}`, 404, `no slot`},
		{"POST", "/api/abort", "Bearer s3cret", `{"slot": 1}`, 400, `body must be JSON`},
		{"POST", "/api/abort", "Bearer s3cret", `{"slot": "S01"} trailing`, 400, `data after it`},
		{"POST", "/api/abort", "Bearer s3cret", `{"slot": "S01"}{}`, 400, `data after it`},
		{"GET", "/api/units/" + uid, "", "", 200, `"uid":"` + uid},
		{"GET", "/api/units/not-hex!", "", "", 400, "unit id"},
		{"GET", "/api/units/abcdef", "", "", 404, "no attempts"},
		{"GET", "/api/attempts?result=pass&limit=1", "", "", 200, `"result":"pass"`},
		{"GET", "/api/attempts?since=yesterday", "", "", 400, "since"},
		{"GET", "/api/attempts?since=%zz", "", "", 400, "malformed query"},
		{"GET", "/api/attempts?limit=100000", "", "", 400, "limit"},
		{"GET", "/api/slots", "", "", 200, `"name":"S01"`},
		{"GET", "/api/stats", "", "", 200, `"cycles":`},
		{"GET", "/healthz", "", "", 200, "ok"},
		{"GET", "/api/backup", "", "", 401, "Bearer"},
		{"GET", "/metrics", "", "", 200, "flashstation_attempts_total"},
		{"GET", "/", "", "", 200, "operator page not built"},
		{"DELETE", "/api/cycle", "", "", 405, ""},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		bufio.NewReader(resp.Body).WriteTo(&b)
		resp.Body.Close()
		if resp.StatusCode != tc.code || !strings.Contains(b.String(), tc.want) {
			t.Errorf("%s %s: %d %.200q; want %d and %q", tc.method, tc.path, resp.StatusCode, b.String(), tc.code, tc.want)
		}
	}
	r.waitFor(t, "cycle end", r.st.Idle)
	r.st.opts.LoopbackOnly = true
	resp, err := http.Post(srv.URL+"/api/cycle", "", nil)
	if err != nil || resp.StatusCode != 202 {
		t.Errorf("loopback-only POST without token: %v %v", resp, err)
	}
}

// fromOtherHost makes the handler see its requests as coming from a
// client on another machine, which a test on loopback cannot have.
func fromOtherHost(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.RemoteAddr = "192.0.2.7:40000" // TEST-NET-1
		h.ServeHTTP(w, r)
	})
}

func TestSSEStreamsSlotsAndCycles(t *testing.T) {
	r := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8"})
	srv := httptest.NewServer(r.st.Handler(r.reg))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Scan() // the initial slot snapshot
	if !strings.HasPrefix(sc.Text(), "event: slot") {
		t.Fatalf("first line %q", sc.Text())
	}
	r.st.Cycle("api")
	var ended bool
	var states []string
	event := ""
	for !ended && sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = line[7:]
		case strings.HasPrefix(line, "data: ") && event == "cycle":
			var c CycleEvent
			json.Unmarshal([]byte(line[6:]), &c)
			ended = c.State == "ended" && c.Results["pass"] == 1
		case strings.HasPrefix(line, "data: ") && event == "slot":
			var v SlotView
			json.Unmarshal([]byte(line[6:]), &v)
			if len(states) == 0 || states[len(states)-1] != string(v.State) {
				states = append(states, string(v.State))
			}
		}
	}
	if !ended || strings.Join(states, ",") != "running,pass" {
		t.Errorf("ended %v, states %v", ended, states)
	}
}

func FuzzParseAttemptsQuery(f *testing.F) {
	f.Add("24h", "fail,error", "A1", "10")
	f.Add("2025-03-01", "PASS", "", "1000")
	f.Add("", "", "", "-1")
	now := time.Unix(1_800_000_000, 0)
	f.Fuzz(func(t *testing.T, since, result, slot, limit string) {
		q := map[string]string{"since": since, "result": result, "slot": slot, "limit": limit}
		flt, err := parseAttemptsQuery(func(k string) string { return q[k] }, now)
		if err != nil {
			return
		}
		if flt.Limit < 1 || flt.Limit > maxAttemptsList || len(flt.Slot) > 64 {
			t.Fatalf("accepted %+v", flt)
		}
	})
}

func TestHotBackupOverHTTP(t *testing.T) {
	r := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8"})
	r.st.opts.Token = "s3cret"
	srv := httptest.NewServer(r.st.Handler(r.reg))
	defer srv.Close()
	r.cycle(t)
	req, _ := http.NewRequest("GET", srv.URL+"/api/backup", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	path := filepath.Join(t.TempDir(), "copy.db")
	f, _ := os.Create(path)
	io.Copy(f, resp.Body)
	f.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "attempts-") {
		t.Fatalf("backup: %s %v", resp.Status, resp.Header)
	}
	copyStore, err := jobs.Open(path, jobs.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("the backup does not open: %v", err)
	}
	defer copyStore.Close()
	got, err := copyStore.Query(context.Background(), jobs.Filter{})
	if err != nil || len(got) != len(allAttempts(t, r)) {
		t.Errorf("backup holds %d attempts, %v", len(got), err)
	}
}
