// Package web is the operator page: one HTML file, one script and one style
// sheet, embedded so the station binary serves them with no build step and
// no files beside it. The page reads /api/slots and /api/stats, follows
// /api/events (server-sent events) and starts cycles with POST /api/cycle.
package web

import "embed"

// FS holds index.html, app.js and style.css at its root; the station
// serves it at "/".
//
//go:embed index.html app.js style.css
var FS embed.FS
