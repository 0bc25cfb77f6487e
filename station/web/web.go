package web

import "embed"

// FS holds index.html, app.js and style.css at its root; the station
// serves it at "/".
//
//go:embed index.html app.js style.css
var FS embed.FS
