package sim

import (
	"fmt"

	"github.com/flashstation/flashstation/drivers/sim/chip/nrf52"
	"github.com/flashstation/flashstation/drivers/sim/chip/rp2040"
	"github.com/flashstation/flashstation/drivers/sim/chip/stm32f1"
	"github.com/flashstation/flashstation/drivers/sim/chip/stm32f4"
	"github.com/flashstation/flashstation/drivers/sim/chip/stm32h7"
	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/dap"
	"github.com/flashstation/flashstation/drivers/sim/fault"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// newBoard builds the chip a slot names and the debug ports it exposes.
func newBoard(s SlotSpec, seed uint64, clk *clock.Clock, faults *fault.Injector) (*board, error) {
	var chip hw.Chip
	var err error
	swj := false // STM32 SWJ-DPs power up listening to JTAG
	switch s.Chip {
	case ChipSTM32F103C8, ChipSTM32F103CB:
		chip, err = stm32f1.New(stm32f1.Config{Variant: string(s.Chip), Maker: stm32f1.Maker(s.Maker), Locked: s.Locked, Seed: seed, Clock: clk, Faults: faults})
		swj = true
	case ChipSTM32F411CE:
		chip, err = stm32f4.New(stm32f4.Config{Variant: string(s.Chip), Locked: s.Locked, Seed: seed, Clock: clk, Faults: faults})
		swj = true
	case ChipSTM32H750VB:
		chip, err = stm32h7.New(stm32h7.Config{Variant: string(s.Chip), Locked: s.Locked, Seed: seed, Clock: clk, Faults: faults})
		swj = true
	case ChipNRF52840:
		variant := "AAD0" // legacy APPROTECT, latched from UICR at reset
		if s.Rev3 {
			variant = "AAF0" // revision 3: protected again after every reset
		}
		chip, err = nrf52.New(nrf52.Config{Variant: variant, Approtect: s.Locked, Seed: seed, Clock: clk, Faults: faults})
	case ChipRP2040:
		chip, err = rp2040.New(rp2040.Config{Seed: seed, Clock: clk, Faults: faults})
	default:
		return nil, fmt.Errorf("no model for chip %q", s.Chip)
	}
	if err != nil {
		return nil, err
	}
	var dps []*dap.DP
	for _, spec := range chip.DebugPorts() {
		dps = append(dps, dap.NewDP(spec, clk))
	}
	b := &board{chip: chip, wire: dap.NewSWDWire(clk, faults, dps...)}
	if swj {
		b.wire.SetSWJ(true)
	}
	if taps := chip.JTAGChain(); len(taps) > 0 {
		b.jtag = dap.NewJTAGChain(clk, taps, dps)
	}
	return b, nil
}

// close frees the chip's execution engine, when it has one.
func (b *board) close() {
	if c, ok := b.chip.(interface{ Close() }); ok {
		c.Close()
	}
}

// Board is the chip in the slot's nest, nil when the nest is empty.
func (s *Slot) Board() hw.Chip {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.board == nil {
		return nil
	}
	return s.board.chip
}

// SetPower switches the nest's supply: the chip and its debug port go
// down and come up together.
func (s *Slot) SetPower(on bool) {
	s.mu.Lock()
	b := s.board
	s.mu.Unlock()
	if b == nil {
		return
	}
	b.chip.SetPower(on)
	b.wire.SetPowered(on)
}

// Reseat takes the board out and puts a fresh one of the same kind in (a
// new unit with its own unique ID, blank flash unless the spec says
// locked); empty=true leaves the nest empty.
func (s *Slot) Reseat(empty bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.board != nil {
		s.board.close() // the board taken out is gone for good
	}
	if empty {
		s.board = nil
		return nil
	}
	s.boots++
	b, err := newBoard(s.Spec, chipSeed(s.fix.opts.Seed, s.Index, s.boots), s.Probe.clock, s.Probe.faults)
	if err != nil {
		return err
	}
	b.wire.SetClock(s.swdHz)
	if b.jtag != nil && s.jtagHz > 0 {
		b.jtag.SetClock(s.jtagHz)
	}
	s.board = b
	s.Probe.mu.Lock()
	s.Probe.chip = b.chip
	s.Probe.power = s.SetPower
	s.Probe.mu.Unlock()
	return nil
}

func (s *Slot) current() *board {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.board
}

func (s *Slot) setReset(asserted bool) {
	if b := s.current(); b != nil {
		b.chip.SetReset(asserted)
	}
}

func (s *Slot) voltage() float64 {
	if b := s.current(); b != nil {
		return b.chip.Voltage()
	}
	return 0
}

// slotSWD forwards to the wire of whatever board is seated; an empty nest
// is a wire nobody answers on.
type slotSWD struct{ s *Slot }

func (w slotSWD) wire() hw.SWD {
	if b := w.s.current(); b != nil {
		return b.wire
	}
	return w.s.empty
}

func (w slotSWD) SetClock(hz uint32)                { w.s.setSWDClock(hz) }
func (w slotSWD) Configure(trn int, dataPhase bool) { w.wire().Configure(trn, dataPhase) }
func (w slotSWD) Out(n int, data []byte)            { w.wire().Out(n, data) }
func (w slotSWD) In(n int) []byte                   { return w.wire().In(n) }
func (w slotSWD) Idle(n int)                        { w.wire().Idle(n) }
func (w slotSWD) Transfer(req uint8, wdata uint32) (uint8, uint32, bool) {
	return w.wire().Transfer(req, wdata)
}

// slotJTAG forwards to the board's JTAG chain; a board without JTAG (or an
// empty nest) reads TDO high.
type slotJTAG struct{ s *Slot }

func (j slotJTAG) chain() *dap.JTAGChain {
	if b := j.s.current(); b != nil {
		return b.jtag
	}
	return nil
}

func (j slotJTAG) SetClock(hz uint32) {
	j.s.mu.Lock()
	j.s.jtagHz = hz
	j.s.mu.Unlock()
	if c := j.chain(); c != nil {
		c.SetClock(hz)
	}
}

func (j slotJTAG) Clock(tms, tdi bool) bool {
	if c := j.chain(); c != nil {
		return c.Clock(tms, tdi)
	}
	j.s.mu.Lock()
	hz := j.s.jtagHz
	j.s.mu.Unlock()
	j.s.Probe.clock.Advance(clock.Bits(1, max(hz, 1)))
	return true
}

func (j slotJTAG) SetTRST(asserted bool) {
	if c := j.chain(); c != nil {
		c.SetTRST(asserted)
	}
}

// setSWDClock remembers SWCLK for boards seated later and sets it now.
func (s *Slot) setSWDClock(hz uint32) {
	s.mu.Lock()
	if hz > 0 {
		s.swdHz = hz
	}
	b := s.board
	s.mu.Unlock()
	s.empty.SetClock(hz)
	if b != nil {
		b.wire.SetClock(hz)
	}
}
