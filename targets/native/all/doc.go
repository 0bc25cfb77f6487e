// Package all links every native target family: import it for its side
// effect where a binary must handle any chip (the CLI, the station).
package all
