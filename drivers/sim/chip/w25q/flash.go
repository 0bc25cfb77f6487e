package w25q

import (
	"encoding/binary"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/fault"
)

// Geometry, bytes: Size is the W25Q16JV's (Part.Size gives each part's).
const (
	Size        = 2 << 20
	PageSize    = 256
	SectorSize  = 4 << 10
	Block32Size = 32 << 10
	Block64Size = 64 << 10
)

// Typical program and erase times of the W25Q16JV (datasheet §9.6, "typ"
// column); Part holds each part's.
const (
	TimePageProgram = 400 * time.Microsecond
	TimeSectorErase = 45 * time.Millisecond
	TimeBlock32     = 120 * time.Millisecond
	TimeBlock64     = 150 * time.Millisecond
	TimeChipErase   = 5 * time.Second
)

// Identity bytes of the W25Q16JV (§8.2.27, §8.2.30); Part holds each part's.
const (
	ManufacturerID = 0xEF
	MemoryType     = 0x40
	Capacity       = 0x15
	DeviceID       = 0x14
)

// Status register bits (§7.1): register 1 BUSY, WEL, BP2:0, TB, SEC, SRP;
// register 2 SRL, QE, LB3:1, CMP, SUS; register 3 WPS, DRV1:0.
const (
	StatusBusy = 1 << 0
	StatusWEL  = 1 << 1
	StatusBP   = 7 << 2
	StatusTB   = 1 << 5
	StatusSEC  = 1 << 6
	StatusSRP  = 1 << 7

	Status2SRL = 1 << 0
	Status2QE  = 1 << 1
	Status2LB  = 7 << 3
	Status2CMP = 1 << 6
	Status2SUS = 1 << 7 // read only

	Status3WPS = 1 << 2
	Status3DRV = 3 << 5
)

// status3Reset is register 3 after power-up: output driver strength 25%
// (DRV1:0 = 11b, the factory default of §7.1.12), WPS 0.
const status3Reset = Status3DRV

// Config builds a Flash.
type Config struct {
	// Part is the density; nil is the W25Q16JV.
	Part *Part
	// QE starts with the Quad Enable bit set (the "IM"/"JM" ordering codes
	// ship with QE=1; "IQ"/"JQ", as on WeAct boards, with QE=0).
	QE bool
	// Seed makes the 64-bit unique ID; the same seed gives the same ID.
	Seed  uint64
	Clock *clock.Clock
	// Faults may be nil. Bad cells are looked up at CellBase + offset, so a
	// chip model can key them by the address the host programs and verifies
	// (RP2040: the XIP address 0x10000000 + offset).
	Faults   *fault.Injector
	CellBase uint32
}

// Flash is one W25Q16JV. It is not safe for concurrent use; the chip that
// owns it serialises access like the single SPI bus it sits on.
type Flash struct {
	part     Part
	sfdp     []byte
	clk      *clock.Clock
	faults   *fault.Injector
	cellBase uint32
	mem      []byte
	uid      [8]byte

	wel        bool
	welPending bool // WEL clears when the running operation ends
	sr1        byte // BP, TB, SEC, SRP (BUSY and WEL live above)
	sr2, sr3   byte
	volatileWE bool // 50h: the next status write is volatile
	resetArmed bool // 66h seen: 99h resets
	asleep     bool // B9h power-down: only ABh is heard
	busyUntil  time.Duration

	// SPI command state while /CS is low.
	selected bool
	ignored  bool // a command that arrived while BUSY: no response
	cmd      byte
	n        int // bytes clocked since /CS fell, opcode included
	addr     uint32
	page     [PageSize]byte // Page Program buffer, 0xFF = leave bit
	pageUsed bool
}

// New returns an erased flash (all 0xFF).
func New(cfg Config) *Flash {
	part := W25Q16JV
	if cfg.Part != nil {
		part = *cfg.Part
	}
	f := &Flash{part: part, sfdp: part.sfdp(), clk: cfg.Clock, faults: cfg.Faults, cellBase: cfg.CellBase,
		mem: make([]byte, part.Size), sr3: status3Reset}
	if cfg.QE {
		f.sr2 = Status2QE
	}
	for i := range f.mem {
		f.mem[i] = 0xFF
	}
	binary.BigEndian.PutUint64(f.uid[:], mix(cfg.Seed))
	if f.clk == nil {
		f.clk = new(clock.Clock)
	}
	return f
}

// mix is splitmix64's finaliser: a stable, well-spread ID from a seed.
func mix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// UniqueID is the 64-bit ID that command 4Bh returns, MSB first on the wire.
func (f *Flash) UniqueID() uint64 { return binary.BigEndian.Uint64(f.uid[:]) }

// Busy reports whether a program or erase is still running at modeled time.
func (f *Flash) Busy() bool { return f.clk.Now() < f.busyUntil }

// BusyUntil is the modeled time the running operation ends (0 if none ran).
func (f *Flash) BusyUntil() time.Duration { return f.busyUntil }

// Part is the flash's density and times.
func (f *Flash) Part() Part { return f.part }

// Status2 and Status3 are status registers 2 and 3 (35h, 15h).
func (f *Flash) Status2() byte { return f.sr2 }
func (f *Flash) Status3() byte { return f.sr3 }

// QuadEnabled reports the QE bit: IO2 and IO3 carry data instead of /WP
// and /HOLD.
func (f *Flash) QuadEnabled() bool { return f.sr2&Status2QE != 0 }

// Status is status register 1 as command 05h returns it now.
func (f *Flash) Status() byte {
	f.settle()
	s := f.sr1
	if f.Busy() {
		s |= StatusBusy
	}
	if f.wel {
		s |= StatusWEL
	}
	return s
}

// Contents is the whole array (fixture checks and tests read it; writes to
// it bypass the chip's rules).
func (f *Flash) Contents() []byte { return f.mem }

// Load copies data into the array at off, as a flash programmer at the
// factory would; fixtures use it to preload firmware.
func (f *Flash) Load(off uint32, data []byte) { copy(f.mem[off%f.part.Size:], data) }

// ReadArray copies flash content at off into p the way an XIP 03h read
// sees it: while BUSY the read command is ignored and the line reads 1s.
func (f *Flash) ReadArray(off uint32, p []byte) {
	if f.Busy() {
		for i := range p {
			p[i] = 0xFF
		}
		return
	}
	for i := range p {
		p[i] = f.mem[(off+uint32(i))%f.part.Size]
	}
}

// WaitIdle advances the clock to the end of the running operation, as a
// status-polling loop would, and returns how long it waited.
func (f *Flash) WaitIdle() time.Duration {
	now := f.clk.Now()
	if now >= f.busyUntil {
		f.settle()
		return 0
	}
	f.clk.AdvanceTo(f.busyUntil)
	f.settle()
	return f.busyUntil - now
}
