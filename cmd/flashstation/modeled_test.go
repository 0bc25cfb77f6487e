package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/recipes"
	"github.com/flashstation/flashstation/recipes/examples"
)

// flash --json on a simulated probe carries the modeled seconds per step
// and in total beside the record; text prints them on one line. The clone
// Blue Pill behind an ST-Link V2 (a BSY poll per halfword, each a USB round
// trip) must show its program step far slower than a genuine part's.
func TestFlashReportsModeledSeconds(t *testing.T) {
	dir := t.TempDir()
	if err := examples.Extract(dir); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "a.db")
	recipe := filepath.Join(dir, "bluepill-blink.toml")
	flash := func(spec string) (jobs.Attempt, modeledReport) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"flash", "--json", "--recipe", recipe, "--sim", spec, "--db", db}, &out, &errb); code != 0 {
			t.Fatalf("%s: exit %d: %s", spec, code, errb.String())
		}
		var got struct {
			jobs.Attempt
			Modeled *modeledReport `json:"modeled"`
		}
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if got.Modeled == nil {
			t.Fatalf("%s: no modeled times in %s", spec, out.String())
		}
		return got.Attempt, *got.Modeled
	}
	a, m := flash("stlink-v2:stm32f103c8")
	if a.Result != jobs.Pass || len(m.Steps) != len(a.Steps) {
		t.Fatalf("result %s, %d modeled steps for %d recorded", a.Result, len(m.Steps), len(a.Steps))
	}
	sum := 0.0
	for i, s := range m.Steps {
		if s.Name != a.Steps[i].Name || s.Seconds < 0 {
			t.Errorf("modeled step %d is %+v, the record's is %s", i, s, a.Steps[i].Name)
		}
		sum += s.Seconds
	}
	if sum > m.Seconds+1e-9 || m.Seconds <= 0 {
		t.Errorf("steps add up to %.3f s of a %.3f s total", sum, m.Seconds)
	}
	program := func(m modeledReport) float64 {
		for _, s := range m.Steps {
			if s.Name == string(recipes.ActProgram) {
				return s.Seconds
			}
		}
		t.Fatal("no program step")
		return 0
	}
	// 40 KiB at 52.5 µs per halfword is 1.08 s of flash time alone.
	if p := program(m); p < 1.08 {
		t.Errorf("genuine program step modeled %.3f s, under the flash's own 1.08 s", p)
	}
	_, clone := flash("stlink-v2:stm32f103c8+clone")
	if program(clone) < 10*program(m) {
		t.Errorf("clone program %.3f s, genuine %.3f s: the per-halfword poll is not in the model", program(clone), program(m))
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"flash", "--recipe", recipe, "--sim", "cmsis-dap-v2:stm32f103c8", "--db", db}, &out, &errb); code != 0 {
		t.Fatalf("text: exit %d: %s", code, errb.String())
	}
	line := out.String()[strings.Index(out.String(), "modeled  "):]
	if !strings.Contains(line, "on the simulated probe") || !strings.Contains(line, "program ") || strings.Count(line, "\n") != 1 {
		t.Errorf("text output ends %q", line)
	}
}

// modeledTimes sums the tries of a step, ignores finishes without a start,
// and keeps the order steps first ran in.
func TestModeledTimesTries(t *testing.T) {
	var now int64
	m := newModeledTimes(func() (d time.Duration) { return time.Duration(now) })
	ev := func(k recipes.EventKind, step int, a recipes.Action, at int64) {
		now = at
		m.note(recipes.Event{Kind: k, Step: step, Action: a})
	}
	ev(recipes.StepStarted, -1, "connect", 1)
	ev(recipes.StepFinished, -1, "connect", 3)
	ev(recipes.StepStarted, 0, recipes.ActProgram, 3)
	ev(recipes.StepFinished, 0, recipes.ActProgram, 10)
	ev(recipes.StepStarted, 0, recipes.ActProgram, 10) // try 2
	ev(recipes.StepProgress, 0, recipes.ActProgram, 12)
	ev(recipes.StepFinished, 0, recipes.ActProgram, 15)
	ev(recipes.StepFinished, 1, recipes.ActVerify, 20) // never started
	r := m.report()
	want := []modeledStep{{"connect", 2e-9}, {"program", 12e-9}}
	if len(r.Steps) != len(want) || r.Seconds != 20e-9 {
		t.Fatalf("report %+v", r)
	}
	for i := range want {
		if r.Steps[i].Name != want[i].Name || abs(r.Steps[i].Seconds-want[i].Seconds) > 1e-15 {
			t.Errorf("step %d = %+v, want %+v", i, r.Steps[i], want[i])
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
