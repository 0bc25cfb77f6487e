package station

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/flashstation/flashstation/jobs"
)

// An aborted board is half-programmed: its tile says ABORTED (with the
// unit it was working on) until the next attempt, never READY. And
// /api/slots tells a page loaded now what the cycle did.
func TestAbortedTileAndLastCycle(t *testing.T) {
	r := newRig(t, rigOpts{spec: "2*cmsis-dap-v2:stm32f103c8", noSync: true})
	srv := httptest.NewServer(r.st.Handler(r.reg))
	defer srv.Close()
	slots := func() SlotsResponse {
		t.Helper()
		resp, err := srv.Client().Get(srv.URL + "/api/slots")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var sr SlotsResponse
		if err := json.NewDecoder(resp.Body).Decode(&sr); err != nil {
			t.Fatal(err)
		}
		return sr
	}
	if sr := slots(); sr.LastCycle != nil {
		t.Errorf("before any press: last_cycle %+v", sr.LastCycle)
	}
	r.setBehave("MCULINK01001", holdInProgram)
	if res := r.st.Cycle("api"); !res.Started {
		t.Fatal(res)
	}
	r.waitFor(t, "S01 programming", func() bool { return r.slot("S01").Step == "program" })
	if sr := slots(); sr.LastCycle == nil || sr.LastCycle.State != "started" || sr.LastCycle.Cycle != 1 || len(sr.LastCycle.Slots) != 2 {
		t.Errorf("during the cycle: last_cycle %+v", sr.LastCycle)
	}
	r.st.Abort("")
	r.waitFor(t, "cycle end", r.st.Idle)
	v := r.slot("S01")
	if v.State != StateAborted || v.UnitUID == "" || v.Reason != "Aborted" {
		t.Errorf("aborted slot: %+v", v)
	}
	sr := slots()
	if lc := sr.LastCycle; lc == nil || lc.State != "ended" || lc.Results[jobs.Aborted] != 1 || lc.Results[jobs.Pass] != 1 {
		t.Errorf("after the cycle: last_cycle %+v", sr.LastCycle)
	}
	// The next press starts the aborted slot again.
	r.setBehave("MCULINK01001", func(context.Context, string) error { return nil })
	r.cycle(t)
	if v := r.slot("S01"); v.State != StatePass {
		t.Errorf("after a new cycle: %+v", v)
	}
}
