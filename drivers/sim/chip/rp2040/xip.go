package rp2040

import (
	"time"

	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// XIP cache geometry (datasheet §2.6.3.1: "16 kB, two way
// set-associative"; §2.6.3.2: a flush walks "16 kB total size / 8 bytes
// per line / 2 ways per set" = 1024 sets).
const (
	xipLine = 8 // bytes
	xipWays = 2
	xipSets = 16 << 10 / xipLine / xipWays
)

// XIP_CTRL registers at 0x14000000 (datasheet §2.6.3.4; pico-sdk
// hardware/regs/xip.h). STREAM_* (0x14–0x1C) are not modeled: they read
// as zero and ignore writes.
const (
	xipCtrlBase = 0x14000000
	xipCtrlOff  = 0x00
	xipFlushOff = 0x04
	xipStatOff  = 0x08
	xipCtrHit   = 0x0C
	xipCtrAcc   = 0x10

	xipEN          = 1 << 0 // CTRL.EN, reset 1
	xipErrBadWrite = 1 << 1 // CTRL.ERR_BADWRITE, reset 1
	xipPowerDown   = 1 << 3 // CTRL.POWER_DOWN, reset 0; 1 forces EN to 0
	xipCtrlReset   = xipEN | xipErrBadWrite

	// STAT: FLUSH_READY (bit 0) and FIFO_EMPTY (bit 1). The model's flush
	// is instant, so it always reads ready.
	xipStatIdle = 1<<0 | 1<<1
)

// Aliases of the 24-bit flash space, decoded on address bits 27:24
// (datasheet §2.6.3.1).
const (
	aliasCached    = 0x10 // cacheable, allocating: normal operation
	aliasNoAlloc   = 0x11 // cacheable, non-allocating: hits only
	aliasNoCache   = 0x12 // non-cacheable, allocating: no lookup, always fills
	aliasNoCacheNA = 0x13 // bypasses the cache completely
)

// xipState is the XIP cache and its control registers. The cache holds
// data, so an XIP read after reprogramming the flash without a flush (FC,
// FLUSH, or a write to the 0x10 alias of the line) returns the stale
// line, as silicon does.
type xipState struct {
	ctrl           uint32
	ctrHit, ctrAcc uint32
	sets           [xipSets]xipSet
}

type xipSet struct {
	valid [xipWays]bool
	line  [xipWays]uint32 // flash offset of the line (its tag and index)
	data  [xipWays][xipLine]byte
	// next is the way a fill replaces when both are valid: the datasheet
	// does not give the policy; the model evicts the least recently used.
	next uint8
}

// reset is the XIP block leaving reset: CTRL at its reset value and the
// tags cleared ("Cache flushes are triggered ... automatically when the
// XIP block is brought out of reset", §2.6.3.2).
func (x *xipState) reset() {
	x.ctrl = xipCtrlReset
	x.ctrHit, x.ctrAcc = 0, 0
	x.flush()
}

// flush clears the tag memory; the data memory keeps its contents
// (FLUSH register description), which the model need not keep.
func (x *xipState) flush() {
	for i := range x.sets {
		x.sets[i].valid = [xipWays]bool{}
	}
}

func (x *xipState) enabled() bool { return x.ctrl&xipEN != 0 }

// lookup returns the way holding line, or -1.
func (s *xipSet) lookup(line uint32) int {
	for w := range xipWays {
		if s.valid[w] && s.line[w] == line {
			return w
		}
	}
	return -1
}

func (s *xipSet) touch(w int) { s.next = uint8(1 - w) }

// fill allocates line with data, replacing an invalid way first.
func (s *xipSet) fill(line uint32, data []byte) {
	w := int(s.next)
	if w2 := s.lookup(line); w2 >= 0 {
		w = w2 // 0x12 reads refill a line already held
	} else if !s.valid[0] {
		w = 0
	} else if !s.valid[1] {
		w = 1
	}
	s.valid[w], s.line[w] = true, line
	copy(s.data[w][:], data)
	s.touch(w)
}

func saturatingInc(p *uint32) {
	if *p != 0xFFFFFFFF {
		*p++
	}
}

// xipRead serves 0x10000000–0x13FFFFFF (the four cache-mode aliases). A
// cache hit returns the cached line without touching the SSI, and costs no
// modeled time (1 cycle). A miss needs the SSI in XIP mode: enabled,
// EEPROM-read transfers, standard SPI frames, a 03h or 0Bh read command;
// otherwise the datasheet defines no result and the model answers a bus
// error so such a read fails loudly. A miss costs the serial read of a
// whole line: command, three address bytes, eight data bytes.
func (c *Chip) xipRead(addr uint32, size int) (uint32, time.Duration, error) {
	x := &c.xip
	alias := addr >> 24
	off := addr & 0x00FFFFFF // 24-bit flash address; the W25Q16 mirrors
	line := off &^ (xipLine - 1)
	set := &x.sets[line/xipLine%xipSets]
	cached := x.enabled() && alias <= aliasNoCache
	if cached && alias <= aliasNoAlloc {
		if w := set.lookup(line); w >= 0 {
			set.touch(w)
			saturatingInc(&x.ctrAcc)
			saturatingInc(&x.ctrHit)
			return le(set.data[w][off-line:], size), 0, nil
		}
	}
	s := &c.ssi
	cmd := s.spiCtrlr0 >> xipCmdShift
	if s.ssienr == 0 || (s.ctrlr0>>tmodShift)&3 != tmodEEPROM || (s.ctrlr0>>frfShift)&3 != 0 ||
		(cmd != 0x03 && cmd != 0x0B) || s.cs {
		return 0, 0, hw.ErrBusFault
	}
	saturatingInc(&x.ctrAcc)
	var buf [xipLine]byte
	c.flash.ReadArray(line, buf[:])
	if cached && alias != aliasNoAlloc {
		set.fill(line, buf[:])
	}
	stall := time.Duration(4+xipLine) * c.spiByteTime()
	return le(buf[off-line:], size), stall, nil
}

// xipWrite: writes never reach the flash. One to the 0x10 alias deletes
// a matching line ("A write to the 0x10… mirror will look up the
// addressed location in the cache, and delete any matching entry found",
// §2.6.3.2); one to another alias is a bus fault while CTRL.ERR_BADWRITE
// is 1 (its reset value) and is ignored when it is 0. With the cache
// disabled nothing looks it up, so a 0x10 write then does nothing.
func (c *Chip) xipWrite(addr uint32) error {
	x := &c.xip
	if addr>>24 != aliasCached {
		if x.ctrl&xipErrBadWrite != 0 {
			return hw.ErrBusFault
		}
		return nil
	}
	if !x.enabled() {
		return nil
	}
	line := addr & 0x00FFFFFF &^ (xipLine - 1)
	set := &x.sets[line/xipLine%xipSets]
	if w := set.lookup(line); w >= 0 {
		set.valid[w] = false
		set.next = uint8(w)
	}
	return nil
}

func (c *Chip) xipCtrlRead(off uint32) uint32 {
	x := &c.xip
	switch off {
	case xipCtrlOff:
		return x.ctrl
	case xipFlushOff:
		return 0 // a read waits for a flush to finish: the model's is done
	case xipStatOff:
		return xipStatIdle
	case xipCtrHit:
		return x.ctrHit
	case xipCtrAcc:
		return x.ctrAcc
	}
	return 0
}

func (c *Chip) xipCtrlWrite(off, v uint32) {
	x := &c.xip
	switch off {
	case xipCtrlOff:
		x.ctrl = v & (xipEN | xipErrBadWrite | xipPowerDown)
		if x.ctrl&xipPowerDown != 0 {
			x.ctrl &^= xipEN
		}
	case xipFlushOff:
		if v&1 != 0 {
			x.flush()
		}
	case xipCtrHit: // write any value to clear
		x.ctrHit = 0
	case xipCtrAcc:
		x.ctrAcc = 0
	}
}
