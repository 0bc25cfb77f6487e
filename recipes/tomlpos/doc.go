// Package tomlpos finds where each key of a TOML document is written, so
// validators of recipes and station.toml can report file:line:col for a
// field BurntSushi/toml decoded without positions.
package tomlpos
