package rp2040

// usbBootClocks leaves the clocks as the bootrom's USB boot path does
// before it starts USB (pico-bootrom bootrom_main.c _usb_clock_setup):
// crystal on with the FREQ_RANGE field written as 0 (a bad write),
// PLL_SYS out of reset at REFDIV 1, FBDIV 100, POSTDIV 5/5 (1200 MHz VCO,
// 48 MHz out), clk_sys glitchlessly on the aux source pll_sys, clk_ref on
// the ring oscillator. On silicon that takes the crystal's startup count
// and the PLL's lock; the model completes it at the instant the core
// boots, with the crystal and PLL started that long before.
func (c *Chip) usbBootClocks() {
	now := c.clk.Now()
	c.rst.reset &^= rstPLLSys | rstUSBCtrl
	x := &c.xo
	x.enable, x.badWrite, x.on = xoscEnable, true, true
	x.stableAt = now - pllLockTime
	x.onAt = x.stableAt - c.xoscDelay()
	p := &c.pllSys
	p.init()
	p.cs, p.fbdiv, p.prim, p.pwr = 1, 100, 5<<16|5<<12, pllDSMPD
	p.vcoAt, p.outAt = x.stableAt, now
	k := &c.clks
	k.refCtrl, k.ref.sel = refSrcROSC, refSrcROSC
	k.sysDiv = 0x100
	k.sysCtrl = sysAuxPLLSys<<5 | sysSrcAux
	k.sys = glitchless{sel: sysSrcAux, reqAt: now, doneAt: now}
}
