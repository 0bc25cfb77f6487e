package stm32f1

// loadOptions is the option byte loader (PM0075 §2.5): each byte is checked
// against its complement; a mismatch sets OBR.OPTERR and the byte reads as
// 0xFF. RDP protects unless it loads as 0xA5. Runs at power-on and system
// reset only: programming the option bytes changes nothing until then.
func (c *Chip) loadOptions() {
	c.optErr = false
	get := func(i int) uint32 {
		h := c.opt[i]
		if byte(h>>8) != ^byte(h) {
			c.optErr = true
			return 0xFF
		}
		return uint32(h & 0xFF)
	}
	c.rdp = get(0) != 0xA5
	c.obrBytes = get(1)<<2 | get(2)<<10 | get(3)<<18
	c.wrpr = get(4) | get(5)<<8 | get(6)<<16 | get(7)<<24
}
