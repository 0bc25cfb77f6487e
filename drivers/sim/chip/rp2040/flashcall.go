package rp2040

import (
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/cortexm"
)

// A flashCall is a bootrom flash function (EX, RE, RP) running on a core.
// Its SPI traffic is a list of steps, each applied when the probe's clock
// reaches its modeled time: the debugger is free meanwhile (the AHB-AP is
// a bus master of its own, datasheet §2.3.4, §2.1), and the W25Q runs on
// its own clock, which the chip keeps at the time of the step it applies.
//
// Until the last step the core reads as running; then it halts at the
// BKPT the call returns to. A halt request in between stops the core in
// the middle of the function (PC inside it); the flash finishes what it
// was given. Resuming there carries the function on; resuming anywhere
// else abandons it, as it would abandon real code.
type flashCall struct {
	core int
	ret  uint32 // the BKPT the function returns to
	pc   uint32 // PC inside the function while it runs

	at   time.Duration // modeled time the next step starts
	spin bool          // at is the flash's busy end, not the core's progress

	ops  []spiOp
	next int                          // index of the next op
	more func(*Chip, *flashCall) bool // refills ops; false: the function returns
	done bool                         // more said so: return at at

	halted   bool          // the debugger stopped the core mid-function
	haltedAt time.Duration // when
	busy     bool          // the last status read showed BUSY

	// Loop state of flash_range_erase / flash_range_program.
	addr, goal, data, blockSize uint32
	blockCmd                    byte
}

type opKind uint8

const (
	opCS        opKind = iota // OUTOVER = arg, as flash_cs_force does; no time
	opTx                      // clock byte arg out: one byte time
	opTxMem                   // clock out the byte at address arg, read when its turn comes
	opIdle                    // arg byte times of clocks with /CS high
	opStatus                  // clock in status register 1: one byte time
	opUntilIdle               // BUSY: spin until the flash is done, then poll again (op arg)
	opHang                    // the function never returns
)

type spiOp struct {
	kind opKind
	arg  uint32
}

func (j *flashCall) add(k opKind, arg uint32) { j.ops = append(j.ops, spiOp{k, arg}) }

func (j *flashCall) tx(b ...byte) {
	for _, x := range b {
		j.add(opTx, uint32(x))
	}
}

// writeEnable, cmdAddr and waitReady are program_flash_generic.c's helpers
// as steps. cmdAddr sends addr |= cmd << 24 as four bytes, so an offset at
// or above 16 MiB (an XIP address passed by mistake) corrupts the opcode.
func (j *flashCall) writeEnable() {
	j.add(opCS, outoverLow)
	j.tx(flashWriteEnable)
	j.add(opCS, outoverHigh)
}

func (j *flashCall) cmdAddr(cmd byte, addr uint32) {
	j.add(opCS, outoverLow)
	addr |= uint32(cmd) << 24
	j.tx(byte(addr>>24), byte(addr>>16), byte(addr>>8), byte(addr))
}

func (j *flashCall) waitReady() {
	start := uint32(len(j.ops))
	j.add(opCS, outoverLow)
	j.tx(flashReadStatus)
	j.add(opStatus, 0)
	j.add(opCS, outoverHigh)
	j.add(opUntilIdle, start)
}

// exitXIPOps: after flash_init_spi, 32 clocks with /CS high, 32 with /CS
// low (IO pulled high: 0xFF bytes), and 0xFF 0xFF with /CS low, which take
// a flash out of continuous-read mode; /CS back to the SSI.
func exitXIPOps(_ *Chip, j *flashCall) bool {
	if j.addr != 0 {
		return false
	}
	j.addr = 1
	j.add(opCS, outoverHigh)
	j.add(opIdle, 4)
	j.add(opCS, outoverLow)
	j.tx(0xFF, 0xFF, 0xFF, 0xFF)
	j.add(opCS, outoverHigh)
	j.add(opCS, outoverLow)
	j.tx(0xFF, 0xFF)
	j.add(opCS, 0)
	return true
}

// eraseOps is one turn of flash_range_erase's loop: no alignment checks; a
// block command where the address is block aligned and a whole block
// remains, else a 4 KiB sector erase at addr (the flash erases the sector
// holding it). A zero block size never advances: the real loop spins.
func eraseOps(_ *Chip, j *flashCall) bool {
	if j.addr >= j.goal {
		return false
	}
	cmd, step := byte(flashSectorErase), uint32(sectorSize)
	if j.addr&(j.blockSize-1) == 0 && j.goal-j.addr >= j.blockSize {
		cmd, step = j.blockCmd, j.blockSize
	}
	j.writeEnable()
	j.cmdAddr(cmd, j.addr)
	j.add(opCS, outoverHigh)
	j.waitReady()
	if step == 0 {
		j.add(opHang, 0)
	}
	j.addr += step
	return true
}

// programOps is one turn of flash_range_program's loop: a whole 256-byte
// page from data (count rounded up), page program at addr. An unaligned
// addr wraps inside the flash page, as the chip does.
func programOps(_ *Chip, j *flashCall) bool {
	if j.addr >= j.goal {
		return false
	}
	j.writeEnable()
	j.cmdAddr(flashPageProgram, j.addr)
	for n := uint32(0); n < pageSize; n++ {
		j.add(opTxMem, j.data+n)
	}
	j.add(opCS, outoverHigh)
	j.waitReady()
	j.addr += pageSize
	j.data += pageSize
	return true
}

// startCall begins a timed flash function on core i at the clock's time,
// returning to ret; it replaces any call in progress, which the new SPI
// traffic would derail anyway.
func (c *Chip) startCall(i int, k *cortexm.Core, f fn, ret uint32, j *flashCall) {
	j.core, j.ret, j.pc, j.at = i, ret, entry(f)+2, c.clk.Now()
	c.call = j
	k.SetReg(cortexm.RegPC, j.pc)
	c.runCall()
}

// catchUp brings a call in progress up to the clock's time and the flash's
// clock with it. Every debugger access to the chip comes through here first.
func (c *Chip) catchUp() {
	c.runCall()
	c.syncFlash()
}

// syncFlash moves the flash's clock to the probe's: nothing the chip does
// to the flash outside a call happens at any other time.
func (c *Chip) syncFlash() { c.fclk.AdvanceTo(c.clk.Now()) }

// runCall applies every step of the running call whose time has come and,
// past the last, halts the core at the BKPT.
func (c *Chip) runCall() {
	j := c.call
	if j == nil || j.halted {
		return
	}
	now := c.clk.Now()
	if c.sysStall() != nil {
		// clk_sys stopped: the core makes no progress meanwhile.
		j.at = max(j.at, now)
		return
	}
	for {
		if j.next == len(j.ops) && !j.done {
			j.ops, j.next = j.ops[:0], 0
			j.done = !j.more(c, j)
		}
		if j.done {
			if j.at > now {
				return
			}
			c.call = nil
			c.returnedAt[j.core] = j.at
			c.cores[j.core].HaltAt(j.ret, cortexm.HaltBkpt)
			return
		}
		o := j.ops[j.next]
		var d time.Duration
		switch o.kind {
		case opTx, opTxMem, opStatus:
			d = c.spiByteTime()
		case opIdle:
			d = c.spiByteTime() * time.Duration(o.arg)
		}
		end := j.at + d
		if end > now {
			return
		}
		c.fclk.AdvanceTo(end)
		j.at, j.next = end, j.next+1
		if d > 0 {
			j.spin = false
		}
		switch o.kind {
		case opCS:
			c.setOutover(o.arg)
		case opTx:
			c.flash.Transfer(byte(o.arg))
		case opTxMem:
			b, _, err := c.views[j.core].read(o.arg, 1)
			if err != nil {
				c.setOutover(outoverHigh)
				c.derail() // the ROM faults reading the buffer
				return
			}
			c.flash.Transfer(byte(b))
		case opStatus:
			j.busy = c.flash.Transfer(0)&1 != 0
		case opUntilIdle:
			if j.busy {
				j.at, j.spin = max(j.at, c.flash.BusyUntil()), true
				j.next = int(o.arg)
			}
		case opHang:
			c.derail()
			return
		}
	}
}

// derail ends the call without a return: the core keeps running inside
// the function (a fault in the ROM, a loop that cannot end, a FIFO the
// debugger emptied under it) until the debugger halts it there.
func (c *Chip) derail() { c.call = nil }

// interfere is a debugger access to the SSI or the QSPI pins that a flash
// function in progress would notice: flash_put_get counts the bytes it
// sent and received, so a byte taken from or added to its FIFOs, or /CS
// moved under it, leaves it waiting for a byte that never comes.
func (c *Chip) interfere() {
	if c.call != nil {
		c.derail()
	}
}

// noteHalt records a debugger halt of core i in the middle of a call.
func (c *Chip) noteHalt(i int) {
	if j := c.call; j != nil && j.core == i && !j.halted && c.cores[i].Halted() {
		j.halted, j.haltedAt = true, c.clk.Now()
	}
}

// resumeCall lets a call halted mid-function carry on from where the core
// stopped, if the debugger resumes it there; it reports whether it did.
// Any other resume of that core abandons the call.
func (c *Chip) resumeCall(i int, k *cortexm.Core) bool {
	j := c.call
	if j == nil || j.core != i {
		return false
	}
	if !j.halted || k.Reg(cortexm.RegPC) != j.pc {
		c.call = nil
		return false
	}
	now := c.clk.Now()
	if j.spin {
		// Spinning on BUSY: the flash kept its own time while the core
		// was halted, so the next poll comes as soon as the core runs.
		j.at = max(j.at, now)
	} else {
		j.at += now - j.haltedAt
	}
	j.halted = false
	c.runCall()
	return true
}

// abortCall forgets a call on core i (reset or power loss of the core); a
// program or erase the flash was given carries on there.
func (c *Chip) abortCall(i int) {
	if c.call != nil && (i < 0 || c.call.core == i) {
		c.call = nil
	}
}

// ReturnedAt is the modeled time core i's last bootrom flash call returned
// to its BKPT (zero before any).
func (c *Chip) ReturnedAt(i int) time.Duration { return c.returnedAt[i] }
