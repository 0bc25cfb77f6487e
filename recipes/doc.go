// Package recipes reads and validates TOML recipes (target, firmware with a
// sha256 pin, per-unit serial numbers, an ordered list of steps) and runs
// them on a target Session with per-step timeout and retry.
// Subpackage firmware loads .bin, Intel HEX, ELF and UF2 images.
package recipes
