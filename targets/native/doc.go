// Package native opens a targets.Session for a chip variant over a probe
// driven by this program (CMSIS-DAP, ST-Link), as opposed to one handed
// to OpenOCD. Family packages register an opener in their init; the
// package native/all imports every family so a binary that wants them all
// links them with one blank import.
package native
