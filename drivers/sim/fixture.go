package sim

import (
	"fmt"
	"hash/fnv"
	"sync"

	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/cmsisdap"
	"github.com/flashstation/flashstation/drivers/sim/dap"
	"github.com/flashstation/flashstation/drivers/sim/fault"
	"github.com/flashstation/flashstation/drivers/sim/hw"
	"github.com/flashstation/flashstation/drivers/sim/jlink"
	"github.com/flashstation/flashstation/drivers/sim/stlink"
)

// Options for building a fixture.
type Options struct {
	Mode Mode
	// Seed varies the boards' unique IDs and the fault sequences between
	// fixtures; the same seed and spec give the same fixture.
	Seed uint64
}

// Fixture is a simulated bed of nails: a USB bus with one probe per slot,
// each wired to its board.
type Fixture struct {
	Bus   *Bus
	Slots []*Slot
	opts  Options
}

// Slot is one probe and its nest.
type Slot struct {
	Index int
	Spec  SlotSpec
	Probe *Probe

	mu    sync.Mutex
	board *board // nil for an empty nest
	boots int    // boards seated so far, for fresh unique IDs
	fix   *Fixture
	// The wire settings the probe last made, applied to a reseated board.
	swdHz, jtagHz uint32
	// empty is the wire of an empty nest: nobody ever answers on it.
	empty *dap.SWDWire
}

// board is the chip in a nest with the debug port it is wired through.
type board struct {
	chip hw.Chip
	wire *dap.SWDWire
	jtag *dap.JTAGChain
}

// New builds the fixture a --sim spec describes.
func New(spec string, opts Options) (*Fixture, error) {
	slots, err := ParseSpec(spec)
	if err != nil {
		return nil, err
	}
	return Build(slots, opts)
}

// Build builds a fixture from parsed slots.
func Build(slots []SlotSpec, opts Options) (*Fixture, error) {
	f := &Fixture{Bus: NewBus(), opts: opts}
	for i, s := range slots {
		slot := &Slot{Index: i, Spec: s, fix: f, swdHz: dap.DefaultSWDHz}
		clk := &clock.Clock{}
		faults := faultsFor(s, opts.Seed, i)
		slot.empty = dap.NewSWDWire(clk, faults)
		var b *board
		if !s.Empty {
			var err error
			if b, err = newBoard(s, chipSeed(opts.Seed, i, 0), clk, faults); err != nil {
				return nil, fmt.Errorf("sim: slot %d (%s): %w", i+1, s, err)
			}
		}
		slot.board = b
		fw := newFirmware(s, i, opts.Seed, clk, slot)
		var chip hw.Chip
		power := func(on bool) {}
		if b != nil {
			chip = b.chip
			power = slot.SetPower
		}
		slot.Probe = f.Bus.Attach(fw, chip, power, clk, faults, opts.Mode)
		f.Slots = append(f.Slots, slot)
	}
	return f, nil
}

// Close frees what the fixture's boards hold outside Go's heap: each
// executing core's engine. The boards still answer afterwards, with cores
// that no longer execute code. A fixture dropped without Close is freed
// by the garbage collector; Close does it now.
func (f *Fixture) Close() {
	for _, s := range f.Slots {
		if b := s.current(); b != nil {
			b.close()
		}
	}
}

// faultsFor gives every slot an injector, so tests can arm any fault on
// any slot (Probe.Faults()); a slot with faults=RATE gets random link and
// WAIT faults at that rate from the start.
func faultsFor(s SlotSpec, seed uint64, i int) *fault.Injector {
	f := fault.New(seed*1000003 + uint64(i) + 1)
	if s.FaultRate <= 0 {
		return f
	}
	for _, k := range []fault.Kind{fault.LinkDrop, fault.LinkCorrupt, fault.LinkTimeout, fault.WaitStorm} {
		f.SetRate(k, s.FaultRate)
	}
	return f
}

// chipSeed derives a board's unique-ID seed from the fixture seed, the slot
// and how many boards that nest has held.
func chipSeed(seed uint64, slot, boot int) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%d/%d", seed, slot, boot)
	return h.Sum64()
}

// newFirmware builds the probe firmware with its serial, stable per
// position. The slot provides the wires, so a reseated board is reached
// through the same firmware.
func newFirmware(s SlotSpec, i int, seed uint64, clk *clock.Clock, slot *Slot) hw.Firmware {
	var swd hw.SWD = slotSWD{slot}
	reset := slot.setReset
	voltage := slot.voltage
	serialOr := func(def string) string {
		if s.Serial != "" {
			return s.Serial
		}
		return def
	}
	switch s.Probe {
	case ProbeCMSISDAPv1:
		return cmsisdap.New(cmsisdap.Config{Version: cmsisdap.V1, Serial: serialOr(fmt.Sprintf("0240000%05d", 1001+i)),
			Clock: clk, SWD: swd, JTAG: slotJTAG{slot}, Reset: reset, Voltage: voltage})
	case ProbeCMSISDAPv2:
		return cmsisdap.New(cmsisdap.Config{Version: cmsisdap.V2, Serial: serialOr(fmt.Sprintf("MCULINK%05d", 1001+i)),
			Clock: clk, SWD: swd, JTAG: slotJTAG{slot}, Reset: reset, Voltage: voltage})
	case ProbeSTLinkV2, ProbeSTLinkV21, ProbeSTLinkV3, ProbeSTLinkV2Old:
		model := map[ProbeKind]stlink.Model{ProbeSTLinkV2: stlink.V2, ProbeSTLinkV2Old: stlink.V2Old,
			ProbeSTLinkV21: stlink.V21, ProbeSTLinkV3: stlink.V3}[s.Probe]
		serial := serialOr(fmt.Sprintf("066D%04X%016X", i, chipSeed(seed, i, -1))) // 24 hex digits, as ST's are
		if s.Probe == ProbeSTLinkV2Old {
			serial = stlink.BinarySerial(chipSeed(seed, i, -1))
		}
		return stlink.New(stlink.Config{Model: model, Serial: serial, Clock: clk, SWD: swd, Reset: reset, Voltage: voltage})
	}
	return jlink.New(serialOr(fmt.Sprintf("%012d", 801000000+i)))
}
