package all

import (
	_ "github.com/flashstation/flashstation/targets/stm32f1" // registers "stm32f1"
	_ "github.com/flashstation/flashstation/targets/stm32f4" // registers "stm32f4"
)
