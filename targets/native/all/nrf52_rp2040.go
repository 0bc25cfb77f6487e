package all

import (
	_ "github.com/flashstation/flashstation/targets/nrf52"  // registers "nrf52"
	_ "github.com/flashstation/flashstation/targets/rp2040" // registers "rp2040" and its multidrop connect
)
