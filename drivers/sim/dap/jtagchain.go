package dap

import (
	"time"

	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/dap/jtag"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// JTAG-DP instructions (ADIv5 B3.2, IR length 4).
const (
	IRAbort  = 0x8
	IRDPACC  = 0xA
	IRAPACC  = 0xB
	IRIDCODE = 0xE
	IRBypass = 0xF
)

// plainIDCODE is the IDCODE instruction of a plain (boundary-scan) TAP.
// IEEE 1149.1 leaves the opcode to the BSDL; STM32 BSDL files use 0b00001.
const plainIDCODE = 0x1

// JTAGChain is a simulated JTAG chain: TAPs from TDI to TDO sharing TCK,
// TMS and nTRST. It implements hw.JTAG and charges every TCK cycle.
type JTAGChain struct {
	clk     *clock.Clock
	hz      uint32
	period  time.Duration
	state   jtag.State
	taps    []tap
	trst    bool
	powered bool
}

var _ hw.JTAG = (*JTAGChain)(nil)

type drKind uint8

const (
	drBypass drKind = iota
	drIDCODE
	drDPACC
	drAPACC
	drAbort
)

type tap struct {
	spec   hw.TAPSpec
	dp     *DP // nil for a plain TAP
	ir     uint32
	irSR   uint64
	dr     uint64
	drLen  int
	kind   drKind
	waited bool // the capture said WAIT: the update is ignored (ADIv5 B3.3)
}

// NewJTAGChain builds the chain from TAP descriptions listed TDI to TDO.
// A TAP whose spec.DP >= 0 is a JTAG-DP in front of dps[spec.DP].
func NewJTAGChain(clk *clock.Clock, taps []hw.TAPSpec, dps []*DP) *JTAGChain {
	c := &JTAGChain{clk: clk, powered: true}
	c.SetClock(DefaultSWDHz)
	c.taps = make([]tap, len(taps))
	for i, s := range taps {
		c.taps[i].spec = s
		if s.DP >= 0 && s.DP < len(dps) {
			c.taps[i].dp = dps[s.DP]
		}
	}
	c.reset()
	return c
}

// SetClock sets TCK in Hz (0 keeps the previous value).
func (c *JTAGChain) SetClock(hz uint32) {
	if hz > 0 {
		c.hz = hz
		c.period = clock.Bits(1, hz)
	}
}

// SetTRST drives nTRST: while asserted every TAP is held in
// Test-Logic-Reset.
func (c *JTAGChain) SetTRST(asserted bool) {
	c.trst = asserted
	if asserted {
		c.reset()
	}
}

// SetPowered switches the chip's supply: unpowered TAPs drive nothing (TDO
// reads 1) and come back in Test-Logic-Reset.
func (c *JTAGChain) SetPowered(on bool) {
	if on && !c.powered {
		c.reset()
	}
	c.powered = on
}

// State is the TAP controller state all TAPs share.
func (c *JTAGChain) State() jtag.State { return c.state }

func (c *JTAGChain) reset() {
	c.state = jtag.TestLogicReset
	for i := range c.taps {
		c.taps[i].resetIR()
	}
}

func (t *tap) resetIR() {
	switch {
	case t.dp != nil:
		t.ir = IRIDCODE
	case t.spec.IDCODE != 0:
		t.ir = plainIDCODE
	default:
		t.ir = 1<<t.spec.IRLen - 1 // no IDCODE register: BYPASS
	}
}

// Clock runs one TCK cycle and returns TDO as sampled before the rising
// edge.
func (c *JTAGChain) Clock(tms, tdi bool) bool {
	c.clk.Advance(c.period)
	if !c.powered || len(c.taps) == 0 {
		return true
	}
	last := &c.taps[len(c.taps)-1]
	tdo := true
	switch c.state {
	case jtag.ShiftDR:
		tdo = last.dr&1 == 1
	case jtag.ShiftIR:
		tdo = last.irSR&1 == 1
	}
	c.edge(tdi)
	if c.trst {
		c.state = jtag.TestLogicReset
	} else {
		c.state = c.state.Next(tms)
	}
	if c.state == jtag.TestLogicReset {
		c.reset()
	}
	return tdo
}

// edge does the work of the current state on the rising TCK edge.
func (c *JTAGChain) edge(tdi bool) {
	in := uint64(0)
	if tdi {
		in = 1
	}
	switch c.state {
	case jtag.CaptureIR:
		for i := range c.taps {
			// IR capture: 0b01 in the low bits (IEEE 1149.1 §7.1.1),
			// zeros above, which is the JTAG-DP's 0b0001.
			c.taps[i].irSR = 0b01
		}
	case jtag.ShiftIR:
		for i := range c.taps {
			t := &c.taps[i]
			out := t.irSR & 1
			t.irSR = t.irSR>>1 | in<<(t.spec.IRLen-1)
			in = out
		}
	case jtag.UpdateIR:
		for i := range c.taps {
			t := &c.taps[i]
			t.ir = uint32(t.irSR) & (1<<t.spec.IRLen - 1)
		}
	case jtag.CaptureDR:
		for i := range c.taps {
			c.taps[i].capture()
		}
	case jtag.ShiftDR:
		for i := range c.taps {
			t := &c.taps[i]
			out := t.dr & 1
			t.dr = t.dr>>1 | in<<(t.drLen-1)
			in = out
		}
	case jtag.UpdateDR:
		for i := range c.taps {
			c.taps[i].update()
		}
	}
}

// selectDR decodes the instruction; unknown instructions act as BYPASS.
func (t *tap) selectDR() {
	t.kind, t.drLen = drBypass, 1
	if t.dp == nil {
		if t.ir == plainIDCODE && t.spec.IDCODE != 0 {
			t.kind, t.drLen = drIDCODE, 32
		}
		return
	}
	switch t.ir {
	case IRIDCODE:
		t.kind, t.drLen = drIDCODE, 32
	case IRDPACC:
		t.kind, t.drLen = drDPACC, 35
	case IRAPACC:
		t.kind, t.drLen = drAPACC, 35
	case IRAbort:
		t.kind, t.drLen = drAbort, 35
	}
}

func (t *tap) capture() {
	t.selectDR()
	t.waited = false
	switch t.kind {
	case drBypass:
		t.dr = 0
	case drIDCODE:
		t.dr = uint64(t.spec.IDCODE)
	case drDPACC, drAPACC:
		ack, data, wait := t.dp.jtagCapture()
		t.dr = uint64(data)<<3 | uint64(ack)
		t.waited = wait
	case drAbort:
		t.dr = 0
	}
}

func (t *tap) update() {
	switch t.kind {
	case drDPACC, drAPACC:
		if t.waited {
			return
		}
		rnw := t.dr&1 == 1
		a := uint8(t.dr>>1&3) << 2
		t.dp.jtagUpdate(t.kind == drAPACC, rnw, a, uint32(t.dr>>3))
	case drAbort:
		if t.dr&7 == 0 {
			t.dp.jtagAbort(uint32(t.dr >> 3))
		}
	}
}
