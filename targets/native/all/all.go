// Package all links every native target family: import it for its side
// effect where a binary must handle any chip (the CLI, the station).
package all

import (
	_ "github.com/flashstation/flashstation/targets/stm32f1" // registers "stm32f1"
	_ "github.com/flashstation/flashstation/targets/stm32f4" // registers "stm32f4"
)
