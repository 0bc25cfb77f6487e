package station

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/jobs"
)

func allAttempts(t *testing.T, r *rig) []*jobs.Attempt {
	t.Helper()
	list, err := r.store.Query(context.Background(), jobs.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestCyclePassesEverySlot(t *testing.T) {
	r := newRig(t, rigOpts{spec: "2*cmsis-dap-v2:stm32f103c8,stlink-v2:stm32f103c8"})
	res := r.cycle(t)
	if res.Cycle != 1 || len(res.Slots) != 3 {
		t.Fatalf("cycle = %+v", res)
	}
	list := allAttempts(t, r)
	if len(list) != 3 {
		t.Fatalf("%d attempts recorded", len(list))
	}
	uids := map[string]bool{}
	for _, a := range list {
		if a.Result != jobs.Pass || a.UnitUID == "" || a.Station != "test" || a.ProbeSerial == "" {
			t.Errorf("attempt %+v", a)
		}
		uids[a.UnitUID] = true
	}
	if len(uids) != 3 || r.reseats.Load() != 3 {
		t.Errorf("%d distinct units, %d reseats", len(uids), r.reseats.Load())
	}
	for _, v := range r.st.Slots() {
		if v.State != StatePass || v.UnitUID == "" || v.Probe == nil || v.Steps != 4 {
			t.Errorf("slot %+v", v)
		}
	}
	expected := `
# HELP flashstation_attempts_total Attempts finished, by result (pass, fail, error, aborted), recipe and slot.
# TYPE flashstation_attempts_total counter
flashstation_attempts_total{recipe="bluepill",result="aborted",slot="S01"} 0
flashstation_attempts_total{recipe="bluepill",result="aborted",slot="S02"} 0
flashstation_attempts_total{recipe="bluepill",result="aborted",slot="S03"} 0
flashstation_attempts_total{recipe="bluepill",result="error",slot="S01"} 0
flashstation_attempts_total{recipe="bluepill",result="error",slot="S02"} 0
flashstation_attempts_total{recipe="bluepill",result="error",slot="S03"} 0
flashstation_attempts_total{recipe="bluepill",result="fail",slot="S01"} 0
flashstation_attempts_total{recipe="bluepill",result="fail",slot="S02"} 0
flashstation_attempts_total{recipe="bluepill",result="fail",slot="S03"} 0
flashstation_attempts_total{recipe="bluepill",result="pass",slot="S01"} 1
flashstation_attempts_total{recipe="bluepill",result="pass",slot="S02"} 1
flashstation_attempts_total{recipe="bluepill",result="pass",slot="S03"} 1
# HELP flashstation_cycles_total Cycles started by a press.
# TYPE flashstation_cycles_total counter
flashstation_cycles_total 1
# HELP flashstation_first_pass_yield_ratio Share of boards that passed on their first attempt since the station started, by recipe.
# TYPE flashstation_first_pass_yield_ratio gauge
flashstation_first_pass_yield_ratio{recipe="bluepill"} 1
# HELP flashstation_probes_present Supported debug probes attached, assigned to a slot or not.
# TYPE flashstation_probes_present gauge
flashstation_probes_present 3
`
	if err := testutil.GatherAndCompare(r.reg, strings.NewReader(expected), "flashstation_attempts_total",
		"flashstation_cycles_total", "flashstation_first_pass_yield_ratio", "flashstation_probes_present"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(r.st.m.stepDuration); n != 15 { // (connect + 4 steps) x 3 slots
		t.Errorf("%d step duration series", n)
	}
}

func TestPressDuringCycleIsIgnoredAndCounted(t *testing.T) {
	r := newRig(t, rigOpts{spec: "2*cmsis-dap-v2:stm32f103c8"})
	release := make(chan struct{})
	r.setBehave("MCULINK01001", func(ctx context.Context, op string) error {
		if op == "program" {
			<-release
		}
		return nil
	})
	if res := r.st.Cycle("pedal"); !res.Started {
		t.Fatal(res)
	}
	for _, src := range []string{"pedal", "pedal", "web"} {
		if res := r.st.Cycle(src); res.Started || !res.Ignored || res.Cycle != 1 {
			t.Errorf("press during cycle: %+v", res)
		}
	}
	close(release)
	r.waitFor(t, "cycle end", r.st.Idle)
	if res := r.st.Cycle("pedal"); !res.Started || res.Cycle != 2 {
		t.Errorf("press after cycle: %+v", res)
	}
	r.waitFor(t, "cycle end", r.st.Idle)
	expected := `
# HELP flashstation_pedal_presses_ignored_total Presses that came while a cycle was running, by source (pedal, web, api).
# TYPE flashstation_pedal_presses_ignored_total counter
flashstation_pedal_presses_ignored_total{source="pedal"} 2
flashstation_pedal_presses_ignored_total{source="web"} 1
`
	if err := testutil.GatherAndCompare(r.reg, strings.NewReader(expected), "flashstation_pedal_presses_ignored_total"); err != nil {
		t.Error(err)
	}
}

func TestVanishedProbeEndsAttemptAndReturns(t *testing.T) {
	r := newRig(t, rigOpts{spec: "2*cmsis-dap-v2:stm32f103c8", realDrv: true})
	probe := r.fx.Slots[0].Probe
	r.setBehave(probe.Serial(), func(ctx context.Context, op string) error {
		if op == "program" {
			probe.Unplug()
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	})
	r.st.Cycle("api")
	r.waitFor(t, "cycle end", r.st.Idle)
	if v := r.slot("S01"); v.State != StateAbsent || v.Reason != "Probe disconnected: check its USB cable" ||
		v.Detail != "step 2 (program): probe disconnected: context canceled" {
		t.Errorf("slot after unplug: %s %q (%q)", v.State, v.Reason, v.Detail)
	}
	if v := r.slot("S02"); v.State != StatePass {
		t.Errorf("other slot: %+v", v)
	}
	list := allAttempts(t, r)
	var gone *jobs.Attempt
	for _, a := range list {
		if a.Slot == "S01" {
			gone = a
		}
	}
	if len(list) != 2 || gone == nil || gone.Result != jobs.Error || !strings.HasPrefix(gone.Error, "probe disconnected") {
		t.Fatalf("attempts %d, S01 %+v", len(list), gone)
	}
	r.setBehave(probe.Serial(), nil)
	probe.Plug()
	r.waitFor(t, "probe back", func() bool { return r.slot("S01").State == StateIdle })
	r.cycle(t)
	if v := r.slot("S01"); v.State != StatePass {
		t.Errorf("after replug: %+v", v)
	}
}

func TestPanicAndHangStayInTheirSlot(t *testing.T) {
	r := newRig(t, rigOpts{spec: "3*cmsis-dap-v2:stm32f103c8", deadline: 100 * time.Millisecond})
	hang := make(chan struct{})
	defer close(hang)
	r.setBehave("MCULINK01001", func(ctx context.Context, op string) error {
		if op == "verify" {
			panic("nil map in a family driver")
		}
		return nil
	})
	r.setBehave("MCULINK01002", func(ctx context.Context, op string) error {
		if op == "program" {
			<-hang // ignores ctx
		}
		return nil
	})
	start := time.Now()
	r.cycle(t)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cycle took %s", d)
	}
	want := map[string]string{"S01": "internal error: panic: nil map in a family driver", "S02": "slot hung", "S03": ""}
	for _, a := range allAttempts(t, r) {
		w := want[a.Slot]
		if w == "" && a.Result != jobs.Pass || w != "" && (a.Result != jobs.Error || !strings.HasPrefix(a.Error, w)) {
			t.Errorf("slot %s: %s %q", a.Slot, a.Result, a.Error)
		}
		delete(want, a.Slot)
	}
	if len(want) != 0 {
		t.Errorf("no attempt for %v", want)
	}
	if v := r.slot("S02"); v.State != StateError {
		t.Errorf("hung slot: %+v", v)
	}
	// The hung slot sits out the next cycle; the others run.
	if res := r.cycle(t); len(res.Slots) != 2 {
		t.Errorf("second cycle slots %v", res.Slots)
	}
}

func TestRetryPolicyAndAbort(t *testing.T) {
	r := newRig(t, rigOpts{spec: "2*cmsis-dap-v2:stm32f103c8", retries: 2})
	tries := 0
	r.setBehave("MCULINK01001", func(ctx context.Context, op string) error {
		if op == "identify" {
			tries++
			if tries == 1 {
				return fmt.Errorf("usb: %w", link.ErrTimeout)
			}
		}
		return nil
	})
	r.setBehave("MCULINK01002", func(ctx context.Context, op string) error {
		if op == "verify" {
			return errors.New("verify failed at 0x08000010")
		}
		return nil
	})
	r.cycle(t)
	var s1, s2 []jobs.Result
	for _, a := range allAttempts(t, r) {
		if a.Slot == "S01" {
			s1 = append(s1, a.Result)
		} else {
			s2 = append(s2, a.Result)
		}
	}
	if fmt.Sprint(s1) != "[error pass]" || fmt.Sprint(s2) != "[fail]" {
		t.Errorf("S01 %v (want error then pass), S02 %v (fail is not retried by default)", s1, s2)
	}
	if v := r.slot("S02"); v.State != StateFail || v.Reason != "Verify failed at 0x08000010: flash does not hold the image" {
		t.Errorf("S02 %+v", v)
	}

	r.setBehave("MCULINK01001", holdInProgram)
	r.st.Cycle("api")
	r.setBehave("MCULINK01002", nil)
	r.waitFor(t, "S01 running, S02 done", func() bool {
		return r.slot("S01").Step == "program" && r.slot("S02").State == StatePass
	})
	if got := r.st.Abort(""); len(got) != 1 || got[0] != "S01" {
		t.Errorf("aborted %v", got)
	}
	r.waitFor(t, "cycle end", r.st.Idle)
	list := allAttempts(t, r)
	last := list[len(list)-1]
	if last.Slot != "S01" {
		last = list[len(list)-2]
	}
	if last.Result != jobs.Aborted || !strings.HasPrefix(last.Error, "aborted by the operator") {
		t.Errorf("aborted attempt %s %q", last.Result, last.Error)
	}
}

func TestUnassignedProbes(t *testing.T) {
	r := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8,stlink-v3:stm32f411ce", slots: 1})
	r.waitFor(t, "unassigned", func() bool { return len(r.st.Unassigned()) == 1 })
	if u := r.st.Unassigned()[0]; u.Kind != "stlink-v3" || u.Port != "usb:1-1.2" {
		t.Errorf("unassigned %+v", u)
	}
}

// A board that fails, is reseated and passes on the next press was
// retested: first-pass yield counts its first attempt only.
func TestFirstPassYieldCountsARetestedBoardOnce(t *testing.T) {
	r := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8", sameBoard: true})
	probe := r.fx.Slots[0].Probe.Serial()
	var tries atomic.Int64
	r.setBehave(probe, func(ctx context.Context, op string) error {
		if op == "program" && tries.Add(1) == 1 {
			return errors.New("flash write failed at 0x08000400")
		}
		return nil
	})
	r.cycle(t)
	r.cycle(t)
	list := allAttempts(t, r)
	if len(list) != 2 || list[0].Result != jobs.Fail || list[1].Result != jobs.Pass || list[0].UnitUID != list[1].UnitUID {
		t.Fatalf("attempts: %d, want a fail then a pass of one unit", len(list))
	}
	expected := `
# HELP flashstation_first_pass_yield_ratio Share of boards that passed on their first attempt since the station started, by recipe.
# TYPE flashstation_first_pass_yield_ratio gauge
flashstation_first_pass_yield_ratio{recipe="bluepill"} 0
`
	if err := testutil.GatherAndCompare(r.reg, strings.NewReader(expected), "flashstation_first_pass_yield_ratio"); err != nil {
		t.Error(err)
	}
	if got := testutil.ToFloat64(r.st.m.firstAttempts.WithLabelValues("bluepill", "false")); got != 1 {
		t.Errorf("first attempts that failed: %v, want 1", got)
	}
	st, err := r.st.Stats(context.Background())
	if err != nil || st.FirstPassYield == nil || *st.FirstPassYield != 0 {
		t.Errorf("stats first-pass yield %v, %v; want 0", st.FirstPassYield, err)
	}
}

// An aborted attempt judged nothing: the board's next attempt is its first.
func TestFirstPassYieldIgnoresAnAbortedAttempt(t *testing.T) {
	r := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8", sameBoard: true})
	probe := r.fx.Slots[0].Probe.Serial()
	var tries atomic.Int64
	inProgram := make(chan struct{})
	r.setBehave(probe, func(ctx context.Context, op string) error {
		if op == "program" && tries.Add(1) == 1 {
			close(inProgram)
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	})
	if res := r.st.Cycle("api"); !res.Started {
		t.Fatal(res)
	}
	<-inProgram
	r.st.Abort("")
	r.waitFor(t, "cycle end", r.st.Idle)
	r.cycle(t)
	list := allAttempts(t, r)
	if len(list) != 2 || list[0].Result != jobs.Aborted || list[1].Result != jobs.Pass {
		t.Fatalf("attempts: %d, want an aborted one then a pass", len(list))
	}
	if got := testutil.ToFloat64(r.st.m.firstAttempts.WithLabelValues("bluepill", "true")); got != 1 {
		t.Errorf("first attempts that passed: %v, want 1", got)
	}
}
