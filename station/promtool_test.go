package station

import (
	"bytes"
	"io"
	"net/http/httptest"
	"os/exec"
	"testing"
)

// TestPromtoolCheckMetrics scrapes /metrics after a cycle and runs
// `promtool check metrics` on it (Debian's prometheus package).
func TestPromtoolCheckMetrics(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed")
	}
	r := newRig(t, rigOpts{spec: "2*cmsis-dap-v2:stm32f103c8"})
	r.cycle(t)
	srv := httptest.NewServer(r.st.Handler(r.reg))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}
