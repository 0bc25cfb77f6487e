package stm32h7

import (
	"time"

	"github.com/flashstation/flashstation/drivers/sim/chip/stm32x"
	"github.com/flashstation/flashstation/drivers/sim/chip/w25q"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// QUADSPI registers (RM0433 §23.5) at 0x52005000.
const (
	qCR    = 0x00
	qDCR   = 0x04
	qSR    = 0x08
	qFCR   = 0x0C
	qDLR   = 0x10
	qCCR   = 0x14
	qAR    = 0x18
	qABR   = 0x1C
	qDR    = 0x20
	qPSMKR = 0x24
	qPSMAR = 0x28
	qPIR   = 0x2C
	qLPTR  = 0x30

	qcrEN    = 1 << 0
	qcrABORT = 1 << 1
	qcrAPMS  = 1 << 22
	qcrPMM   = 1 << 23

	qsrTEF  = 1 << 0
	qsrTCF  = 1 << 1
	qsrFTF  = 1 << 2
	qsrSMF  = 1 << 3
	qsrTOF  = 1 << 4
	qsrBUSY = 1 << 5

	fmodeWrite  = 0
	fmodeRead   = 1
	fmodePoll   = 2
	fmodeMapped = 3

	// FIFOSize is the QUADSPI FIFO in bytes.
	FIFOSize = 32
)

// WeAct STM32H750 board wiring of the W25Q64JV (the board's schematic;
// alternate functions from DS12556 Table 9): QUADSPI_CLK PB2 AF9,
// QUADSPI_BK1_NCS PB6 AF10, IO0 PD11 AF9, IO1 PD12 AF9, IO2 PE2 AF9,
// IO3 PD13 AF9.
var (
	pinCLK = pin{1, 2, 9}
	pinNCS = pin{1, 6, 10}
	pinIO  = [4]pin{{3, 11, 9}, {3, 12, 9}, {4, 2, 9}, {3, 13, 9}}
)

type pin struct{ port, n, af int }

// qspi is the QUADSPI state. A command runs as one w25q.Frame once its
// last phase is known: read and polling commands when they start,
// writes when DLR+1 data bytes have gone through the FIFO.
type qspi struct {
	cr, dcr, sr, dlr, ccr, ar, abr, psmkr, psmar, pir, lptr uint32

	active  bool   // a command is running (BUSY)
	fifo    []byte // indirect read: data not yet read from DR
	out     []byte // indirect write: data pushed so far
	pollAt  time.Duration
	pollEnd bool
}

func (q *qspi) fmode() uint32 { return q.ccr >> 26 & 3 }

// lines maps a 2-bit mode field to a line count.
func lines(m uint32) int { return [4]int{0, 1, 2, 4}[m&3] }

// frame builds the w25q frame the CCR, AR and ABR describe.
func (q *qspi) frame() w25q.Frame {
	fr := w25q.Frame{
		Instruction: byte(q.ccr), InstrLines: lines(q.ccr >> 8),
		Address: q.ar, AddrLines: lines(q.ccr >> 10), AddrBytes: int(q.ccr>>12&3) + 1,
		AltLines: lines(q.ccr >> 14), Dummy: int(q.ccr >> 18 & 0x1F), DataLines: lines(q.ccr >> 24),
	}
	if fr.AltLines > 0 {
		n := int(q.ccr>>16&3) + 1
		for i := n - 1; i >= 0; i-- {
			fr.Alt = append(fr.Alt, byte(q.abr>>(8*i)))
		}
	}
	return fr
}

// clocks is how many QUADSPI clocks a frame with n data bytes takes.
func clocks(fr w25q.Frame, n int) int {
	c := 0
	if fr.InstrLines > 0 {
		c += 8 / fr.InstrLines
	}
	if fr.AddrLines > 0 {
		c += fr.AddrBytes * 8 / fr.AddrLines
	}
	if fr.AltLines > 0 {
		c += len(fr.Alt) * 8 / fr.AltLines
	}
	c += fr.Dummy
	if fr.DataLines > 0 {
		c += n * 8 / fr.DataLines
	}
	return c
}

// exec sends a frame to the NOR through the board's pins and charges its
// time at the QUADSPI clock (kernel clock / (PRESCALER+1)). Pins not in
// their alternate function do not reach the NOR: the command is lost and
// the inputs read 0.
func (c *Chip) qexec(fr w25q.Frame, write, read []byte) {
	q := &c.q
	hz := c.rcc.qspiKernelHz() / (q.cr>>24 + 1)
	c.clk.Advance(time.Duration(clocks(fr, len(write)+len(read))) * time.Second / time.Duration(hz))
	if !c.pinsReach(fr) {
		clear(read)
		return
	}
	c.nor.Exec(fr, write, read)
}

func (c *Chip) pinsReach(fr w25q.Frame) bool {
	ok := func(p pin) bool { return c.rcc.gpioClocked(p.port) && c.gpio[p.port].alternate(p.n, p.af) }
	need := max(fr.InstrLines, fr.AddrLines, fr.AltLines, fr.DataLines, 2) // IO1 carries single-line data in
	if !ok(pinCLK) || !ok(pinNCS) {
		return false
	}
	for i := 0; i < need; i++ {
		if !ok(pinIO[i]) {
			return false
		}
	}
	return true
}

// begin starts the command CCR describes, when its start condition holds
// (RM0433 §23.3.7: writing CCR when no address is needed, AR otherwise;
// data for writes arrives through DR).
func (c *Chip) qbegin() {
	q := &c.q
	if q.cr&qcrEN == 0 {
		return
	}
	fr := q.frame()
	n := int(q.dlr) + 1
	switch q.fmode() {
	case fmodeWrite:
		q.active, q.out = true, q.out[:0]
		if fr.DataLines == 0 {
			c.qexec(fr, nil, nil)
			q.finish()
		}
	case fmodeRead:
		if fr.DataLines == 0 {
			n = 0
		}
		q.fifo = make([]byte, n)
		c.qexec(fr, nil, q.fifo)
		q.active = true
		q.sr |= qsrTCF // every byte is in the FIFO (the model reads ahead)
		if n == 0 {
			q.finish()
		}
	case fmodePoll:
		q.active, q.pollAt, q.pollEnd = true, c.clk.Now(), false
		c.qpoll()
	case fmodeMapped:
		q.active = true
	}
}

func (q *qspi) finish() {
	q.active = false
	q.sr |= qsrTCF
}

// qpoll runs automatic polling: the command is repeated every PIR clocks
// until the masked status matches (AND of the bits, or OR with PMM). The
// NOR's status changes only when its operation ends, so the first match
// is at the first poll at or after that time; it is found when the
// debugger looks (settle).
func (c *Chip) qpoll() {
	q := &c.q
	if !q.active || q.fmode() != fmodePoll || q.pollEnd {
		return
	}
	fr := q.frame()
	n := min(int(q.dlr)+1, 4)
	hz := c.rcc.qspiKernelHz() / (q.cr>>24 + 1)
	period := time.Duration(clocks(fr, n)+int(q.pir&0xFFFF)) * time.Second / time.Duration(hz)
	at := q.pollAt
	if end := c.nor.BusyUntil(); end > at {
		k := (end - at + period - 1) / period
		at += k * period
	}
	if c.clk.Now() < at {
		return
	}
	buf := make([]byte, n)
	c.qexec(fr, nil, buf)
	var v uint32
	for i, b := range buf {
		v |= uint32(b) << (8 * i)
	}
	masked := v & q.psmkr
	match := masked == q.psmar&q.psmkr
	if q.cr&qcrPMM != 0 {
		match = masked&q.psmar != 0
	}
	if !match {
		return // never matches: the NOR's status will not change on its own
	}
	q.sr |= qsrSMF
	q.fifo = buf
	if q.cr&qcrAPMS != 0 {
		q.pollEnd, q.active = true, false
	}
}

func (q *qspi) settle(c *Chip) { c.qpoll() }

type qspiBus struct{ c *Chip }

func (b qspiBus) Read(off uint32, size int) (uint32, time.Duration, error) {
	c := b.c
	if !c.rcc.qspiClocked() {
		return 0, 0, nil
	}
	q := &c.q
	var w uint32
	switch off &^ 3 {
	case qCR:
		w = q.cr
	case qDCR:
		w = q.dcr
	case qSR:
		w = q.sr
		level := len(q.fifo)
		if q.fmode() == fmodePoll {
			level = 0
		}
		w |= uint32(min(level, FIFOSize)) << 8
		if q.active || len(q.fifo) > 0 && q.fmode() == fmodeRead {
			w |= qsrBUSY
		}
		if q.fmode() == fmodeRead && len(q.fifo) > 0 || q.fmode() == fmodeWrite && q.active {
			w |= qsrFTF // FIFO at its threshold: data to read, or room to write
		}
	case qDLR:
		w = q.dlr
	case qCCR:
		w = q.ccr
	case qAR:
		w = q.ar
	case qABR:
		w = q.abr
	case qDR:
		// Reads pop as many bytes as the access is wide (RM0433 §23.5.10).
		n := min(size, len(q.fifo))
		for i := 0; i < n; i++ {
			w |= uint32(q.fifo[i]) << (8 * i)
		}
		q.fifo = q.fifo[n:]
		if q.fmode() == fmodeRead && len(q.fifo) == 0 && q.active {
			q.active = false
		}
		return w, 0, nil
	case qPSMKR:
		w = q.psmkr
	case qPSMAR:
		w = q.psmar
	case qPIR:
		w = q.pir
	case qLPTR:
		w = q.lptr
	}
	return stm32x.Lane(w, off, size), 0, nil
}

func (b qspiBus) Write(off uint32, size int, v uint32) (time.Duration, error) {
	c := b.c
	if !c.rcc.qspiClocked() {
		return 0, nil
	}
	q := &c.q
	reg := off &^ 3
	full := stm32x.Merge(0, off, size, v)
	busy := q.active
	switch reg {
	case qCR:
		q.cr = stm32x.Merge(q.cr, off, size, v) &^ qcrABORT
		if full&qcrABORT != 0 {
			q.active, q.fifo, q.out = false, nil, nil
		}
		if q.cr&qcrEN == 0 {
			q.active = false
		}
	case qDCR:
		if !busy {
			q.dcr = full & 0x001F0701
		}
	case qFCR:
		q.sr &^= full & (qsrTEF | qsrTCF | qsrSMF | qsrTOF)
	case qDLR:
		if !busy {
			q.dlr = full
		}
	case qCCR:
		if busy {
			return 0, nil // RM0433 §23.5.6: CCR is writable only while BUSY is 0
		}
		q.ccr = full
		if lines(q.ccr>>10) == 0 || q.fmode() == fmodeMapped {
			c.qbegin()
		}
	case qAR:
		if busy {
			return 0, nil
		}
		q.ar = full
		if lines(q.ccr>>10) != 0 && q.fmode() != fmodeMapped {
			c.qbegin()
		}
	case qABR:
		if !busy {
			q.abr = full
		}
	case qDR:
		if q.fmode() != fmodeWrite || !q.active {
			return 0, nil
		}
		for i := 0; i < size; i++ {
			q.out = append(q.out, byte(v>>(8*i)))
		}
		if len(q.out) >= int(q.dlr)+1 {
			fr := q.frame()
			c.qexec(fr, q.out[:q.dlr+1], nil)
			q.out = q.out[:0]
			q.finish()
		}
	case qPSMKR:
		q.psmkr = full
	case qPSMAR:
		q.psmar = full
	case qPIR:
		q.pir = full & 0xFFFF
	case qLPTR:
		q.lptr = full & 0xFFFF
	}
	return 0, nil
}

// qspiMapped is 0x90000000: in memory-mapped mode each read is one read
// command at that offset; beyond the 2^(FSIZE+1) bytes DCR declares, or
// outside memory-mapped mode, an access is a bus error, as is any write
// (RM0433 §23.3.9).
type qspiMapped struct{ c *Chip }

func (m qspiMapped) Read(off uint32, size int) (uint32, time.Duration, error) {
	c := m.c
	q := &c.q
	if !c.rcc.qspiClocked() || q.cr&qcrEN == 0 || q.fmode() != fmodeMapped || uint64(off)+uint64(size) > 1<<(q.dcr>>16&0x1F+1) {
		return 0, 0, hw.ErrBusFault
	}
	fr := q.frame()
	fr.Address = off
	buf := make([]byte, size)
	c.qexec(fr, nil, buf)
	var w uint32
	for i, b := range buf {
		w |= uint32(b) << (8 * i)
	}
	return w, 0, nil
}

func (qspiMapped) Write(uint32, int, uint32) (time.Duration, error) { return 0, hw.ErrBusFault }
