package station

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/flashstation/flashstation/central"
)

type fakeCentral struct{ st central.Status }

func (f *fakeCentral) Status() central.Status { return f.st }

// TestStatsCentral: /api/stats carries the forwarder's backlog, fresh on
// every call (not the 2 s stats cache), and nothing without [central].
func TestStatsCentral(t *testing.T) {
	fc := &fakeCentral{st: central.Status{Where: "db:5432/fs", Backlog: 3, OldestAgeSeconds: 42, LastError: "central: cannot reach PostgreSQL at db:5432/fs: connect: connection refused"}}
	r := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8", central: fc})
	st, err := r.st.Stats(context.Background())
	if err != nil || st.Central == nil || st.Central.Backlog != 3 {
		t.Fatalf("stats %+v, %v", st.Central, err)
	}
	fc.st.Backlog, fc.st.Connected = 0, true
	st, _ = r.st.Stats(context.Background())
	b, _ := json.Marshal(st)
	var m map[string]any
	json.Unmarshal(b, &m)
	c, _ := m["central"].(map[string]any)
	if c == nil || c["backlog"] != 0.0 || c["connected"] != true || c["where"] != "db:5432/fs" {
		t.Fatalf("central in /api/stats: %s", b)
	}

	plain := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8"})
	st, _ = plain.st.Stats(context.Background())
	b, _ = json.Marshal(st)
	m = nil
	json.Unmarshal(b, &m)
	if _, ok := m["central"]; ok {
		t.Fatalf("central without [central]: %s", b)
	}
}
