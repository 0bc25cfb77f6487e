// Operator page: draws one tile per slot from /api/slots, keeps them live
// from the /api/events stream, and starts cycles from the START button or
// the space bar. Plain script, no build step: the station embeds this file.
// The JSON shapes are station/api.go's SlotsResponse, SlotView, Stats,
// CycleEvent and CycleResult.
"use strict";

// What the operator reads on a tile, besides its colour: a word and an icon
// per state, so the page never relies on colour alone.
const STATES = {
  idle: { word: "READY", icon: "\u25CB" },
  running: { word: "FLASHING", icon: "\u25B6" },
  pass: { word: "PASS", icon: "\u2714" },
  fail: { word: "FAIL", icon: "\u2716" },
  absent: { word: "NO PROBE", icon: "\u2014" },
  error: { word: "ERROR", icon: "\u26A0" },
  // Stopped half-way by ABORT: the board in the nest is not finished.
  aborted: { word: "ABORTED", icon: "\u25A0" },
};

const slots = new Map(); // name -> slot as the API sent it
const tiles = new Map(); // name -> tile element
let busy = false; // a START request is in flight
// The status line's cycle: the newest of what /api/slots and the event
// stream said, in whichever order they came.
let shownCycle = { cycle: 0, ended: false };
let events = null;
let retryTimer = 0;

// How often stats are refreshed without an event (yield and units/hour
// change with time too), and how long the station may cache them.
const STATS_POLL_MS = 10000;
const STATS_CACHE_MS = 2500;

const $ = (id) => document.getElementById(id);

// A token in the address (#token=…) is kept for a kiosk that is not the
// station itself: the station asks for it on mutating calls off loopback.
function token() {
  const m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
  if (m) {
    localStorage.setItem("flashstation-token", decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname);
  }
  return localStorage.getItem("flashstation-token") || "";
}

async function call(method, path) {
  const headers = {};
  const t = token();
  if (t) headers.Authorization = "Bearer " + t;
  const res = await fetch(path, { method, headers, cache: "no-store" });
  if (!res.ok) {
    let msg = res.status + " " + res.statusText;
    try {
      const body = await res.json();
      // Errors say {"error"}; a refused press says {"reason"}.
      if (body && (body.error || body.reason)) msg = body.error || body.reason;
    } catch (_) {
      // not JSON: the status line says enough
    }
    throw new Error(msg);
  }
  return res.status === 204 ? null : res.json();
}

function notice(text) {
  const n = $("notice");
  n.textContent = text || "";
  n.hidden = !text;
}

// layout picks rows and columns: the fixture's own rows and columns from
// station.toml, so the screen is laid out like the fixture at every slot
// count and screen size, unless that would make slivers (a station.toml
// without places puts every slot in row 1); then the squarest grid that
// fits the screen, filled in place order. The text on a tile is sized to
// the tile by style.css.
const MIN_TILE_W = 60;
const MIN_TILE_H = 36;

function layout(list) {
  const grid = $("grid");
  const w = grid.clientWidth || 1280;
  const h = grid.clientHeight || 680;
  let placed = list.length > 0 && list.every((s) => s.place && s.place.row > 0 && s.place.col > 0);
  let rows = 1;
  let cols = 1;
  if (placed) {
    rows = Math.max(...list.map((s) => s.place.row));
    cols = Math.max(...list.map((s) => s.place.col));
    placed = w / cols >= MIN_TILE_W && h / rows >= MIN_TILE_H;
  }
  if (!placed) {
    let best = 0;
    for (let c = 1; c <= Math.max(1, list.length); c++) {
      const r = Math.ceil(list.length / c);
      // Tiles read best a little wider than tall.
      const size = Math.min(w / c / 1.4, h / r);
      if (size > best) {
        best = size;
        cols = c;
      }
    }
    rows = Math.max(1, Math.ceil(list.length / cols));
  }
  grid.style.gridTemplateColumns = `repeat(${cols}, minmax(0, 1fr))`;
  grid.style.gridTemplateRows = `repeat(${rows}, minmax(0, 1fr))`;
  return placed;
}

// byPlace orders slots top to bottom, left to right.
function byPlace(a, b) {
  const pa = a.place || {};
  const pb = b.place || {};
  return (pa.row || 0) - (pb.row || 0) || (pa.col || 0) - (pb.col || 0);
}

function tileFor(s, placed) {
  const el = document.createElement("section");
  el.className = "tile";
  el.dataset.slot = s.name;
  el.innerHTML =
    '<div class="in"><div class="top"><span class="name"></span><span class="state"></span></div>' +
    '<div class="step"></div><div class="bar"><i></i></div><div class="uid"></div><div class="reason"></div></div>';
  if (placed) {
    el.style.gridRow = s.place.row;
    el.style.gridColumn = s.place.col;
  }
  return el;
}

function text(el, sel, value) {
  const node = el.querySelector(sel);
  node.textContent = value || "";
  node.hidden = !value;
}

function paint(s) {
  const el = tiles.get(s.name);
  if (!el) return;
  const st = STATES[s.state] || { word: String(s.state || "?").toUpperCase(), icon: "?" };
  el.dataset.state = s.state;
  text(el, ".name", s.name);
  text(el, ".state", st.icon + " " + st.word);
  const running = s.state === "running";
  let step = "";
  if (running) {
    step = s.step || "connecting";
    if (s.step_index > 0 && s.steps > 0) step += ` \u00B7 ${s.step_index}/${s.steps}`;
    if (s.try > 1) step += ` \u00B7 try ${s.try}`;
  }
  text(el, ".step", step);
  const bar = el.querySelector(".bar");
  bar.hidden = !running;
  bar.firstChild.style.width = Math.round(Math.max(0, Math.min(1, s.progress || 0)) * 100) + "%";
  text(el, ".uid", s.unit_uid ? "UID " + s.unit_uid : "");
  text(el, ".reason", s.state === "fail" || s.state === "error" || s.state === "aborted" ? s.reason || "Aborted" : "");
  fitReason(el);
  el.title = [s.name, s.probe && s.probe.kind, s.probe && s.probe.serial].filter(Boolean).join(" \u00B7 ");
}

// fitReason shows as many whole lines of the failure reason as fit below
// the rest of the tile, and ends the last one with an ellipsis.
function fitReason(el) {
  const r = el.querySelector(".reason");
  if (r.hidden) return;
  const box = el.querySelector(".in");
  const room = box.clientHeight - parseFloat(getComputedStyle(box).paddingBottom) - r.offsetTop;
  const line = parseFloat(getComputedStyle(r).fontSize) * 1.15;
  r.style.webkitLineClamp = String(Math.max(1, Math.floor(room / line)));
}

function drawAll(body) {
  const list = body.slots || [];
  $("station").textContent = body.station || "";
  const grid = $("grid");
  grid.textContent = "";
  const shown = new Map(slots);
  slots.clear();
  tiles.clear();
  const placed = layout(list);
  for (let s of [...list].sort(byPlace)) {
    const prev = shown.get(s.name);
    if (prev !== undefined && prev.seq > s.seq) s = prev; // an event was newer
    slots.set(s.name, s);
    const el = tileFor(s, placed);
    tiles.set(s.name, el);
    grid.appendChild(el);
    paint(s);
  }
  startButton();
}

// stale: the page already shows a newer view of this slot (views come
// from both /api/slots and the event stream, in either order).
function stale(s) {
  const shown = slots.get(s.name);
  return shown !== undefined && shown.seq > s.seq;
}

function update(s) {
  if (stale(s)) return;
  if (!tiles.has(s.name)) {
    // A slot the page has not seen: redraw everything from the API.
    loadSlots();
    return;
  }
  // Each event is the whole SlotView (empty fields left out), so it
  // replaces the old one rather than merging into it.
  slots.set(s.name, s);
  paint(s);
  startButton();
}

function startButton() {
  const running = [...slots.values()].some((s) => s.state === "running");
  $("start").disabled = busy || running || document.body.classList.contains("offline");
}

function pct(x) {
  return typeof x === "number" && isFinite(x) ? (x * 100).toFixed(1) + "%" : "\u2013";
}

function num(x, digits) {
  return typeof x === "number" && isFinite(x) ? x.toFixed(digits) : "\u2013";
}

function drawStats(st) {
  $("stat-cycles").textContent = num(st.cycles, 0);
  $("stat-yield").textContent = pct(st.today && st.today.yield);
  $("stat-fpy").textContent = pct(st.first_pass_yield);
  $("stat-uph").textContent = num(st.units_per_hour, 0);
  drawCentral(st.central);
}

// A backlog to the factory database is shown once it is more than a
// passing batch: attempts waiting over CENTRAL_SHOW_S, and why.
const CENTRAL_SHOW_S = 120;

function drawCentral(c) {
  const box = $("stat-central-box");
  const show = !!c && c.backlog > 0 && c.oldest_age_seconds >= CENTRAL_SHOW_S;
  box.hidden = !show;
  if (!show) return;
  const mins = Math.floor(c.oldest_age_seconds / 60);
  const age = mins >= 60 ? `${Math.floor(mins / 60)} h` : `${mins} min`;
  $("stat-central").textContent = `${c.backlog} · ${age}`;
  box.title = `${c.backlog} attempts not yet in the factory database (${c.where}); the oldest ended ${age} ago` +
    (c.last_error ? `. ${c.last_error}` : "") + ". They are safe on this station and are sent when the database answers.";
}

async function loadSlots() {
  const body = await call("GET", "/api/slots");
  drawAll(body);
  // After a reload the status line says what the station is doing, or
  // what the last cycle did, not "Ready".
  if (body.last_cycle) onCycle(body.last_cycle);
  else if (shownCycle.cycle === 0) $("cycle").textContent = "Ready";
}

async function loadStats() {
  try {
    drawStats(await call("GET", "/api/stats"));
  } catch (_) {
    // The banner already says when the station is gone.
  }
}

function onCycle(c) {
  const ended = c.state !== "started";
  // An older view of the cycles (a slow /api/slots) never undoes a newer one.
  if (c.cycle < shownCycle.cycle || (c.cycle === shownCycle.cycle && shownCycle.ended && !ended)) return;
  shownCycle = { cycle: c.cycle, ended };
  const n = (c.slots || []).length;
  if (c.state === "started") {
    $("cycle").textContent = `Cycle ${c.cycle}: flashing ${n} slot${n === 1 ? "" : "s"}\u2026`;
    return;
  }
  const r = c.results || {};
  const parts = ["pass", "fail", "error", "aborted"].filter((k) => r[k]).map((k) => `${r[k]} ${k}`);
  $("cycle").textContent = `Cycle ${c.cycle} done: ${parts.join(", ") || "nothing ran"}`;
  // The station caches stats for a couple of seconds: ask now, and again
  // once the cache has surely turned over.
  loadStats();
  setTimeout(loadStats, STATS_CACHE_MS);
}

function setOnline(on) {
  document.body.classList.toggle("offline", !on);
  if (!on) {
    $("cycle").textContent = "Station offline";
    shownCycle = { cycle: 0, ended: false }; // the reload after says it again
  }
  startButton();
}

// connect follows the event stream. EventSource retries by itself after a
// dropped connection, but gives up for good on an HTTP error, so a closed
// stream is reopened here. Every (re)connect reloads the whole picture:
// whatever happened while offline is not replayed.
function connect() {
  clearTimeout(retryTimer);
  if (events) events.close();
  events = new EventSource("/api/events");
  events.onopen = async () => {
    try {
      await loadSlots();
      setOnline(true);
      loadStats();
    } catch (_) {
      setOnline(false);
    }
  };
  events.onerror = () => {
    setOnline(false);
    if (events.readyState === EventSource.CLOSED) retryTimer = setTimeout(connect, 2000);
  };
  events.addEventListener("slot", (e) => update(JSON.parse(e.data)));
  events.addEventListener("cycle", (e) => onCycle(JSON.parse(e.data)));
  events.addEventListener("stats", (e) => drawStats(JSON.parse(e.data)));
}

async function start() {
  if ($("start").disabled) return;
  busy = true;
  startButton();
  notice("");
  try {
    await call("POST", "/api/cycle?source=web");
  } catch (err) {
    notice("Could not start: " + err.message);
  } finally {
    busy = false;
    startButton();
  }
}

async function abort() {
  try {
    await call("POST", "/api/abort");
  } catch (err) {
    notice("Could not abort: " + err.message);
  }
}

$("start").addEventListener("click", start);
$("abort").addEventListener("click", abort);
// The space bar is START wherever focus is; a held key starts one cycle,
// and the key never also "clicks" a focused button.
document.addEventListener("keydown", (e) => {
  if (e.code !== "Space") return;
  e.preventDefault();
  if (!e.repeat) start();
});
document.addEventListener("keyup", (e) => {
  if (e.code === "Space") e.preventDefault();
});
window.addEventListener("resize", () => {
  if (slots.size) drawAll({ station: $("station").textContent, slots: [...slots.values()] });
});
connect();
setInterval(() => {
  if (!document.body.classList.contains("offline")) loadStats();
}, STATS_POLL_MS);
