package web

import (
	"context"
	"fmt"
	"github.com/flashstation/flashstation/central"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/flashstation/flashstation/station"
)

// load opens url in a fresh browser and waits until the page is online
// with n tiles.
func load(t *testing.T, url string, n int) *pageT {
	t.Helper()
	ctx := browser(t)
	if err := chromedp.Run(ctx, watchPolicyViolations, chromedp.Navigate(url)); err != nil {
		t.Fatalf("loading %s: %v", url, err)
	}
	p := &pageT{t: t, ctx: ctx}
	p.wait("the page online with its tiles", fmt.Sprintf(`!document.body.classList.contains("offline") && document.querySelectorAll(".tile").length === %d`, n))
	return p
}

// watchPolicyViolations keeps, in window.cspViolations, every resource or
// inline code the page's Content-Security-Policy blocked, from before the
// page's own script runs.
var watchPolicyViolations = chromedp.ActionFunc(func(ctx context.Context) error {
	_, err := page.AddScriptToEvaluateOnNewDocument(`window.cspViolations = [];
document.addEventListener("securitypolicyviolation", e => window.cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber));`).Do(ctx)
	return err
})

// policyViolations is what the page's content policy blocked so far.
func (p *pageT) policyViolations() []string {
	p.t.Helper()
	var v []string
	p.eval(`window.cspViolations`, &v)
	return v
}

func TestCycleFromStartButton(t *testing.T) {
	slots := slotsOf(8, 4)
	slots[7].State, slots[7].Probe = station.StateAbsent, nil
	verify := "step 4 (verify): verify failed at 0x08000010: reseat the board and try again"
	noBoard := "no answer from the target: is the board seated and powered?"
	f, srv := newFake(t, slots, map[string]string{"A3": "fail: " + verify, "B2": "fail: " + noBoard})
	f.hold, f.halfway = make(chan struct{}), make(chan struct{})
	p := load(t, srv.URL, 8)

	got := p.tiles()
	for name, want := range map[string]string{"A1": "\u25CB READY", "B4": "\u2014 NO PROBE"} {
		if got[name].Label != want {
			t.Errorf("before the cycle, %s says %q, want %q", name, got[name].Label, want)
		}
	}
	p.run(chromedp.Click("#start", chromedp.ByID))
	select {
	case <-f.halfway:
	case <-time.After(10 * time.Second):
		t.Fatal("clicking START did not start a cycle")
	}
	p.wait("A1 half way through program", `document.querySelector('[data-slot="A1"] .bar i').style.width === "50%"`)
	got = p.tiles()
	if a1 := got["A1"]; a1.State != "running" || a1.Label != "\u25B6 FLASHING" || a1.Step != "program \u00B7 3/4" || a1.UID != "UID 0xA100C0FFEE" {
		t.Errorf("A1 mid-cycle: %s", dump(a1))
	}
	if b4 := got["B4"]; b4.State != "absent" || b4.Step != "" || b4.Bar != "" {
		t.Errorf("B4 (no probe) mid-cycle: %s", dump(b4))
	}
	var disabled bool
	p.eval(`document.getElementById("start").disabled`, &disabled)
	if !disabled {
		t.Error("START is enabled while a cycle runs")
	}
	// A reload mid-cycle says the cycle runs, not "Ready".
	p.reload(8)
	p.wait("the status line after a reload mid-cycle", `document.getElementById("cycle").textContent === "Cycle 1: flashing 7 slots\u2026"`)
	close(f.hold)
	p.wait("the cycle's end", `document.getElementById("cycle").textContent === "Cycle 1 done: 5 pass, 2 fail"`)
	// And after the cycle, what it did.
	p.reload(8)
	p.wait("the status line after a reload", `document.getElementById("cycle").textContent === "Cycle 1 done: 5 pass, 2 fail"`)

	got = p.tiles()
	for _, name := range []string{"A1", "A2", "A4", "B1", "B3"} {
		if g := got[name]; g.State != "pass" || g.Label != "\u2714 PASS" || g.Reason != "" || g.Bar != "" || !strings.HasPrefix(g.UID, "UID 0x") {
			t.Errorf("%s: %s, want a pass with its UID", name, dump(g))
		}
	}
	for name, reason := range map[string]string{"A3": verify, "B2": noBoard} {
		if g := got[name]; g.State != "fail" || g.Label != "\u2716 FAIL" || g.Reason != reason {
			t.Errorf("%s: %s, want a fail saying %q", name, dump(g), reason)
		}
	}
	if got["B4"].State != "absent" {
		t.Errorf("B4: %s", dump(got["B4"]))
	}
	p.wait("the stats after the cycle", `document.getElementById("stat-cycles").textContent === "1"`)
	var stats []string
	p.eval(`["stat-yield", "stat-fpy", "stat-uph"].map(id => document.getElementById(id).textContent)`, &stats)
	if strings.Join(stats, " ") != "93.8% 87.5% 412" {
		t.Errorf("stats read %q, want yield 93.8%%, first pass 87.5%%, 412 units/hour", stats)
	}
	p.screenshot("fake-cycle.png")
}

// reload reloads the page and waits until it is online with n tiles.
func (p *pageT) reload(n int) {
	p.t.Helper()
	p.run(chromedp.Reload())
	p.wait("the page online after a reload", fmt.Sprintf(`!document.body.classList.contains("offline") && document.querySelectorAll(".tile").length === %d`, n))
}

// An aborted board is half-programmed: its tile says so, with the unit,
// and never READY.
func TestAbortedTile(t *testing.T) {
	slots := slotsOf(2, 2)
	slots[0].State, slots[0].UnitUID, slots[0].Reason = station.StateAborted, "0x1F2E3D4C5B6A7988", "Aborted"
	_, srv := newFake(t, slots, nil)
	p := load(t, srv.URL, 2)
	a1 := p.tiles()["A1"]
	if a1.State != "aborted" || a1.Label != "\u25A0 ABORTED" || a1.Reason != "Aborted" || a1.UID != "UID 0x1F2E3D4C5B6A7988" {
		t.Errorf("aborted tile: %s", dump(a1))
	}
	var line string
	p.eval(`document.getElementById("cycle").textContent`, &line)
	if line != "Ready" {
		t.Errorf("status line before any cycle: %q", line)
	}
}

// TestSpaceBarStartsOneCycle: the space bar is START, and pressing it on a
// focused START button must not start two cycles (key and click).
func TestSpaceBarStartsOneCycle(t *testing.T) {
	f, srv := newFake(t, slotsOf(2, 2), nil)
	p := load(t, srv.URL, 2)
	for i, focus := range []string{"document.body", `document.getElementById("start")`} {
		p.eval(focus+".focus(); true", new(bool))
		p.run(chromedp.KeyEvent(" "))
		p.wait("the cycle's end", fmt.Sprintf(`document.getElementById("cycle").textContent.startsWith("Cycle %d done")`, i+1))
		f.mu.Lock()
		presses := f.presses
		f.mu.Unlock()
		if presses != i+1 {
			t.Fatalf("after %d space presses (focus on %s) the station got %d presses", i+1, focus, presses)
		}
	}
}

// TestOfflineBanner: when the event stream drops the page says so at once,
// refuses START, and once the station is back it reloads what changed
// while it was away.
func TestOfflineBanner(t *testing.T) {
	f, srv := newFake(t, slotsOf(4, 4), nil)
	p := load(t, srv.URL, 4)
	var shown bool
	p.eval(`getComputedStyle(document.getElementById("banner")).display !== "none"`, &shown)
	if shown {
		t.Fatal("offline banner shown while online")
	}
	f.setOffline(true)
	p.wait("the offline banner", `document.body.classList.contains("offline") && getComputedStyle(document.getElementById("banner")).display !== "none"`)
	var state []any
	p.eval(`[document.getElementById("start").disabled, document.getElementById("banner").textContent]`, &state)
	if state[0] != true || !strings.Contains(fmt.Sprint(state[1]), "STATION OFFLINE") {
		t.Errorf("offline: START disabled, banner = %v", state)
	}
	// A change the page cannot hear about while offline.
	f.mu.Lock()
	f.slots[2].State, f.slots[2].Reason = station.StateError, "probe disconnected"
	f.mu.Unlock()
	time.Sleep(500 * time.Millisecond) // let a reconnect attempt or two fail
	f.setOffline(false)
	p.wait("back online", `!document.body.classList.contains("offline")`)
	if g := p.tiles()["A3"]; g.State != "error" || g.Label != "\u26A0 ERROR" || g.Reason != "probe disconnected" {
		t.Errorf("A3 after reconnecting: %s, want the error that happened offline", dump(g))
	}
}

// TestSlowSnapshotDoesNotUndoAnEvent: after a reconnect the page reloads
// /api/slots; when that answer arrives after a newer event (a slot that
// passed meanwhile), the tile keeps the event's state.
func TestSlowSnapshotDoesNotUndoAnEvent(t *testing.T) {
	f, srv := newFake(t, slotsOf(4, 4), nil)
	f.setSlot(0, func(s *station.SlotView) { s.State = station.StateRunning; s.Step = "program" })
	p := load(t, srv.URL, 4)
	p.wait("A1 running", `document.querySelector('[data-slot="A1"]') !== null`)
	f.mu.Lock()
	f.stall, f.stalled = make(chan struct{}), make(chan struct{})
	stall, stalled := f.stall, f.stalled
	f.mu.Unlock()
	f.setOffline(true) // the page reconnects and reloads /api/slots
	p.wait("offline", `document.body.classList.contains("offline")`)
	f.setOffline(false)
	<-stalled // the snapshot (A1 running) is taken and held back
	f.setSlot(0, func(s *station.SlotView) { s.State, s.Step = station.StatePass, "" })
	p.wait("A1 pass from the event", `document.querySelector('[data-slot="A1"]').dataset.state === "pass"`)
	close(stall)
	p.wait("back online", `!document.body.classList.contains("offline")`)
	time.Sleep(100 * time.Millisecond)
	if g := p.tiles()["A1"]; g.State != "pass" {
		t.Errorf("A1 after the late snapshot: %s, want pass (the newer event)", dump(g))
	}
}

// TestFortyEightSlotsFit: 48 slots in every state on the 1280x800 kiosk:
// no scrolling, every tile whole on screen, names and state words whole
// and big enough to read across the room. Once as the fixture places
// them (6x8), once without places (station.toml's default, all in row 1).
func TestFortyEightSlotsFit(t *testing.T) {
	for _, placed := range []bool{true, false} {
		t.Run(fmt.Sprintf("placed=%v", placed), func(t *testing.T) {
			slots := slotsOf(48, 8)
			for i := range slots {
				s := &slots[i]
				if !placed {
					s.Place.Row, s.Place.Col = 1, i+1
				}
				switch i % 6 {
				case 1:
					s.State, s.Step, s.StepIndex, s.Progress, s.UnitUID = station.StateRunning, "program", 3, 0.6, "0x1F2E3D4C5B6A7988"
				case 2:
					s.State, s.UnitUID = station.StatePass, "0x1F2E3D4C5B6A7988"
				case 3:
					s.State, s.UnitUID = station.StateFail, "0x1F2E3D4C5B6A7988"
					s.Reason = "step 4 (verify): verify failed at 0x08000010: reseat the board and try again"
				case 4:
					s.State, s.Reason = station.StateError, "probe disconnected"
				case 5:
					s.State, s.Probe = station.StateAbsent, nil
				}
			}
			_, srv := newFake(t, slots, nil)
			p := load(t, srv.URL, 48)
			var bad []string
			p.eval(`(() => {
  const out = [];
  const de = document.documentElement;
  if (de.scrollHeight > innerHeight || de.scrollWidth > innerWidth) out.push("page scrolls: " + de.scrollWidth + "x" + de.scrollHeight);
  for (const el of document.querySelectorAll(".tile")) {
    const r = el.getBoundingClientRect();
    const id = el.dataset.slot;
    if (r.left < 0 || r.top < 0 || r.right > innerWidth || r.bottom > innerHeight) out.push(id + " off screen");
    for (const sel of [".name", ".state"]) {
      const n = el.querySelector(sel);
      const nr = n.getBoundingClientRect();
      if (n.scrollWidth > n.clientWidth || nr.right > r.right || nr.bottom > r.bottom) out.push(id + " " + sel + " cut off");
    }
    const px = parseFloat(getComputedStyle(el.querySelector(".name")).fontSize);
    if (px < 28) out.push(id + " name " + px + "px");
  }
  return out;
})()`, &bad)
			if len(bad) > 0 {
				t.Errorf("48 slots on %dx%d: %s", kioskW, kioskH, strings.Join(bad, "; "))
			}
			if placed {
				p.screenshot("fake-48-slots.png")
			}
		})
	}
}

// TestCentralBacklogInHeader: the header shows attempts waiting for the
// factory database once the oldest has waited two minutes, and hides the
// count again when they are sent.
func TestCentralBacklogInHeader(t *testing.T) {
	f, srv := newFake(t, slotsOf(4, 4), nil)
	f.mu.Lock()
	f.central = &central.Status{Where: "db:5432/fs", Backlog: 5, OldestAgeSeconds: 30}
	f.mu.Unlock()
	p := load(t, srv.URL, 4)
	var hidden bool
	p.eval(`document.getElementById("stat-central-box").hidden`, &hidden)
	if !hidden {
		t.Fatal("a 30 s backlog is shown")
	}
	f.mu.Lock()
	f.central = &central.Status{Where: "db:5432/fs", Backlog: 240, OldestAgeSeconds: 3700, LastError: "central: cannot reach PostgreSQL at db:5432/fs: connect: connection refused"}
	f.mu.Unlock()
	p.eval(`loadStats()`, nil)
	p.wait("the backlog in the header", `!document.getElementById("stat-central-box").hidden`)
	var got []string
	p.eval(`[document.getElementById("stat-central").textContent, document.getElementById("stat-central-box").title]`, &got)
	if got[0] != "240 \u00b7 1 h" || !strings.Contains(got[1], "connection refused") || !strings.Contains(got[1], "safe on this station") {
		t.Fatalf("header says %q", got)
	}
	var visible bool
	p.eval(`getComputedStyle(document.getElementById("stat-central-box")).display !== "none"`, &visible)
	if !visible {
		t.Fatal("backlog box not displayed")
	}
	f.mu.Lock()
	f.central = &central.Status{Where: "db:5432/fs", Connected: true}
	f.mu.Unlock()
	p.eval(`loadStats()`, nil)
	p.wait("the backlog gone", `document.getElementById("stat-central-box").hidden`)
}
