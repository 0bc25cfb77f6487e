package station

import (
	"time"

	"github.com/flashstation/flashstation/central"
	"github.com/flashstation/flashstation/drivers/discover"
	"github.com/flashstation/flashstation/fixtures"
)

// The HTTP API. Every response is JSON (UTF-8) except /api/events (SSE),
// /metrics (Prometheus text) and / (the operator page). Errors are
// {"error": "one line"} with 400 (bad input), 401 (token), 404, 405, 413.
// Mutating endpoints (POST, and GET /api/backup) need "Authorization:
// Bearer TOKEN" unless the listener is loopback-only or the request comes
// from this machine, addressed to a loopback name, and not from a page of
// another site (the kiosk on 127.0.0.1); bodies are limited to 4 KiB. Every response
// forbids framing (X-Frame-Options: DENY, CSP frame-ancestors 'none') and
// lets a page load only the station's own resources.
//
//	GET  /api/slots            SlotsResponse
//	GET  /api/events           SSE: "slot" (SlotView) and "cycle" (CycleEvent)
//	POST /api/cycle            CycleResult (202 started, 409 ignored or nothing ready)
//	POST /api/abort            {"aborted": ["A1"]}; body {"slot": "A1"} for one slot
//	GET  /api/stats            Stats
//	GET  /api/units/{uid}      {"uid": "1f2e…", "attempts": [jobs.Attempt…]} (404 if none)
//	GET  /api/attempts?since=24h&until=1h&uid=1f2e…&result=fail,error&recipe=R&slot=A1&limit=100
//	                           (until exclusive; an unknown parameter is a 400)
//	                           {"attempts": [jobs.Attempt…]}, newest first, limit ≤ 1000 (default 100)
//	GET  /metrics, /healthz    Prometheus text; "ok"

// SlotsResponse is GET /api/slots.
//
//	{"station": "line-3", "mode": "pedal", "cycle": 12, "running": true,
//	 "slots": [SlotView…], "unassigned": [ProbeView…]}
type SlotsResponse struct {
	Station string        `json:"station"`
	Mode    fixtures.Mode `json:"mode"`
	Cycle   int64         `json:"cycle"`   // the last cycle started
	Running bool          `json:"running"` // a cycle is under way
	// LastCycle is the last cycle's "started" event while it runs, its
	// "ended" event after; null before the first press.
	LastCycle  *CycleEvent `json:"last_cycle"`
	Slots      []SlotView  `json:"slots"`
	Unassigned []ProbeView `json:"unassigned"`
}

// SlotView is one slot as the operator page draws it.
//
//	{"name": "A1", "place": {"row": 1, "col": 1}, "state": "running",
//	 "recipe": "bluepill-blink", "step": "program", "step_index": 3, "steps": 6,
//	 "progress": 0.42, "try": 1, "cycle": 12, "unit_uid": "1f2e3d…",
//	 "reason": "", "probe": {"serial": "MCULINK01001", "kind": "cmsis-dap-v2", "port": "usb:1-1.1"}}
//
// state is absent, idle, running, pass, fail or error. step_index is
// 1-based (0 before the first step; the connect step is 0 too); progress
// runs 0..1 within the step. reason is the failure in plain words ("step 4
// (verify): verify failed at 0x08000010 …", "probe disconnected"), empty
// on pass. probe is null when no probe was ever seen.
type SlotView struct {
	Name      string         `json:"name"`
	Place     fixtures.Place `json:"place"`
	State     State          `json:"state"`
	Recipe    string         `json:"recipe"`
	Step      string         `json:"step,omitempty"`
	StepIndex int            `json:"step_index"`
	Steps     int            `json:"steps"`
	Progress  float64        `json:"progress"`
	Try       int            `json:"try,omitempty"`
	Cycle     int64          `json:"cycle,omitempty"`
	UnitUID   string         `json:"unit_uid,omitempty"`
	// Reason says in plain words why the last attempt did not pass;
	// Detail is the full error as recorded.
	Reason string     `json:"reason,omitempty"`
	Detail string     `json:"detail,omitempty"`
	Probe  *ProbeView `json:"probe"`
	// Seq orders the views of one slot: a larger one is newer. A page
	// that gets views from both /api/slots and the event stream keeps the
	// newest, whichever arrives last.
	Seq uint64 `json:"seq"`
}

// ProbeView is a probe as discovery saw it.
//
//	{"serial": "MCULINK01001", "kind": "cmsis-dap-v2", "port": "usb:1-1.1", "notes": []}
type ProbeView struct {
	Serial string   `json:"serial"`
	Kind   string   `json:"kind"`
	Port   string   `json:"port"`
	Notes  []string `json:"notes,omitempty"`
}

func probeView(f discover.Found) ProbeView {
	return ProbeView{Serial: f.Serial, Kind: string(f.Kind), Port: f.Device.Port, Notes: f.Notes}
}

// Stats is GET /api/stats.
//
//	{"cycles": 120, "ignored_presses": 3, "today": {"attempts": 960, "pass": 950,
//	 "yield": 0.9896}, "first_pass_yield": 0.99, "units_per_hour": 410,
//	 "since": "2026-11-21T00:00:00+01:00"}
//
// today counts attempts started since local midnight (yield = pass /
// finished attempts, aborted ones excluded); first_pass_yield is the share
// of boards that passed on their first attempt (retries and retests of
// the same UID excluded) since the station started; units_per_hour counts passes in the last hour. Yields
// are null when there is nothing to divide.
type Stats struct {
	Cycles         int64       `json:"cycles"`
	IgnoredPresses int64       `json:"ignored_presses"`
	Today          DayStats    `json:"today"`
	FirstPassYield *float64    `json:"first_pass_yield"`
	UnitsPerHour   int         `json:"units_per_hour"`
	Since          time.Time   `json:"since"`
	Slots          []SlotTally `json:"slots,omitempty"`
	// Central is the forwarder to the factory database (absent without
	// [central]): backlog, age of its oldest attempt, last error.
	Central *central.Status `json:"central,omitempty"`
}

// DayStats counts today's attempts.
type DayStats struct {
	Attempts int      `json:"attempts"`
	Pass     int      `json:"pass"`
	Fail     int      `json:"fail"`
	Error    int      `json:"error"`
	Aborted  int      `json:"aborted"`
	Yield    *float64 `json:"yield"`
}

// SlotTally is today's pass and fail count of one slot (a slot that fails
// far more often than its neighbours has a worn pogo pin).
type SlotTally struct {
	Slot string `json:"slot"`
	Pass int    `json:"pass"`
	Fail int    `json:"fail"`
}
