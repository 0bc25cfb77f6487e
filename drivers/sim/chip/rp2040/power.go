package rp2040

import (
	"encoding/binary"

	"github.com/flashstation/flashstation/drivers/sim/chip/cortexm"
)

// SetPower switches the supply. Off loses SRAM and all core state; the
// flash keeps its contents. On is a power-on reset (CHIP_RESET.HAD_POR).
func (c *Chip) SetPower(on bool) {
	c.catchUp()
	if !on {
		c.abortCall(-1)
		c.powered = false
		for _, k := range c.cores {
			k.PowerOff()
		}
		c.resetSSI()
		c.resetClocks()
		clear(c.sram)
		return
	}
	if c.powered {
		return
	}
	c.powered = true
	c.chipReset = hadPOR
	c.resetSSI()
	c.resetClocks()
	c.powerOnCores()
}

// SetReset drives the RUN pin: low holds the whole chip in reset; release
// restarts it with CHIP_RESET.HAD_RUN.
func (c *Chip) SetReset(asserted bool) {
	c.catchUp()
	if !c.powered || asserted == c.runHeld {
		return
	}
	c.abortCall(-1)
	c.runHeld = asserted
	if asserted {
		c.holdCores()
		return
	}
	c.chipReset = c.chipReset&psmRestartFlag | hadRun
	c.resetSSI()
	c.resetClocks()
	c.releaseCores()
}

// rescueCtrlStat watches the rescue DP's CTRL/STAT: setting CDBGPWRUPREQ
// restarts the power-on state machine and holds the chip there with
// PSM_RESTART_FLAG set; clearing it lets the chip boot, and the bootrom,
// seeing the flag, parks core 0 instead of booting the flash (OpenOCD
// rp2040-rescue.cfg; bootrom_rt0.S check_rescue).
func (c *Chip) rescueCtrlStat(v uint32) {
	req := v&(1<<28) != 0
	c.catchUp()
	if !c.powered || req == c.rescueReq {
		return
	}
	c.abortCall(-1)
	c.rescueReq = req
	if req {
		c.chipReset = hadPSMRestart | psmRestartFlag
		c.resetSSI()
		c.resetClocks()
		c.holdCores()
		return
	}
	// The PSM restart also resets the processors' debug logic, so this is
	// a power-on for the cores (vector catch and breakpoints are gone).
	c.powerOnCores()
}

// sysResetReq: on the RP2040, AIRCR.SYSRESETREQ resets only the core that
// wrote it (datasheet §2.4.2.1 / M0+ integration), not the chip.
func (c *Chip) sysResetReq(i int) func() {
	return func() {
		c.abortCall(i)
		c.cores[i].Reset()
	}
}

func (c *Chip) holdCores() {
	for _, k := range c.cores {
		k.SetResetLine(true)
	}
}

func (c *Chip) releaseCores() {
	for _, k := range c.cores {
		k.SetResetLine(false)
	}
}

func (c *Chip) powerOnCores() {
	for _, k := range c.cores {
		k.PowerOn()
	}
}

// boot models the bootrom's reset path for core i, starting at _start.
// Core 1 waits in wait_for_vector for core 0 to launch it. Core 0 parks in
// _dead if the debugger asked for a rescue (acknowledging the flag);
// otherwise it boots the flash when boot2's CRC32 checks, leaving the SSI
// in XIP mode and the core running the image's reset handler, or else
// falls back to USB boot (the bootrom keeps running, clk_sys at 48 MHz).
func (c *Chip) boot(i int, k *cortexm.Core) {
	if i == 1 {
		k.SetReg(cortexm.RegPC, entry(fnWaitVector))
		return
	}
	if c.chipReset&psmRestartFlag != 0 {
		c.chipReset &^= psmRestartFlag
		k.SetReg(cortexm.RegPC, entry(fnDead))
		return
	}
	c.rst.reset &^= rstBootromRun
	var boot2 [256]byte
	c.flash.ReadArray(0, boot2[:])
	if crc32MPEG2(boot2[:252]) != binary.LittleEndian.Uint32(boot2[252:]) {
		c.initSPI()
		c.usbBootClocks()
		k.SetReg(cortexm.RegPC, entry(fnUSBBoot))
		return
	}
	// boot2 would set up XIP (often in quad mode); the model uses the
	// serial 03h mode that CX gives, then enters the image's vectors.
	c.enterCmdXIP()
	var vt [8]byte
	c.flash.ReadArray(0x100, vt[:])
	k.SetReg(cortexm.RegMSP, binary.LittleEndian.Uint32(vt[0:]))
	k.SetReg(cortexm.RegPC, binary.LittleEndian.Uint32(vt[4:]))
}

// crc32MPEG2 is the boot2 checksum: polynomial 0x04C11DB7, initial value
// 0xFFFFFFFF, no reflection, no final XOR (datasheet §2.8.1.3.1).
func crc32MPEG2(p []byte) uint32 {
	crc := uint32(0xFFFFFFFF)
	for _, b := range p {
		crc ^= uint32(b) << 24
		for range 8 {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04C11DB7
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
