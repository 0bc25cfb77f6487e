package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/recipes"
)

// Without a TTY, progress is plain lines: a step that moves bytes prints
// each quarter with bytes, rate and ETA; one without bytes prints only its
// end.
func TestProgressPlainLines(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out, false)
	clock := time.Unix(0, 0)
	p.now = func() time.Time { return clock }
	p.event(recipes.Event{Kind: recipes.StepStarted, Step: 0, Action: recipes.ActReadID, Try: 1})
	p.event(recipes.Event{Kind: recipes.StepFinished, Step: 0, Action: recipes.ActReadID, Result: jobs.Pass})
	p.event(recipes.Event{Kind: recipes.StepStarted, Step: 1, Action: recipes.ActProgram, Try: 1})
	for done := int64(0); done <= 64<<10; done += 4 << 10 {
		clock = clock.Add(100 * time.Millisecond) // 40 KiB/s
		p.event(recipes.Event{Kind: recipes.StepProgress, Step: 1, Action: recipes.ActProgram, Done: done, Total: 64 << 10})
	}
	p.event(recipes.Event{Kind: recipes.StepFinished, Step: 1, Action: recipes.ActProgram, Result: jobs.Fail, Err: "verify failed"})
	want := "  1 read-id        pass\n" +
		"  2 program         25% 16.0 KiB / 64.0 KiB, 32.0 KiB/s, ETA 2s\n" +
		"  2 program         50% 32.0 KiB / 64.0 KiB, 35.6 KiB/s, ETA 1s\n" +
		"  2 program         75% 48.0 KiB / 64.0 KiB, 36.9 KiB/s, ETA 0s\n" +
		"  2 program        100% 64.0 KiB / 64.0 KiB, 37.6 KiB/s\n" +
		"  2 program        fail: verify failed\n"
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if strings.Contains(out.String(), "\x1b") {
		t.Error("escape sequences without a TTY")
	}
}
