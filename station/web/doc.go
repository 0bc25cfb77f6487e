// Package web is the operator page: one HTML file, one script and one style
// sheet, embedded so the station binary serves them with no build step and
// no files beside it. The page reads /api/slots and /api/stats, follows
// /api/events (server-sent events) and starts cycles with POST /api/cycle.
package web
