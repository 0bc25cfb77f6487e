package bitbang

import (
	"crypto/sha256"
	"fmt"
	"strings"

	"github.com/flashstation/flashstation/drivers/sim/chip/stm32f1"
	"github.com/flashstation/flashstation/drivers/sim/chip/stm32f4"
	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/dap"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// Variants lists the chips the server can stand in front of: the STM32s,
// whose JTAG chains OpenOCD 0.12 can reach over remote_bitbang.
var Variants = []string{"stm32f103c8", "stm32f103cb", "stm32f411ce"}

// DefaultTCKHz is the modeled TCK when ChipConfig leaves it 0: OpenOCD's
// stm32f1x.cfg sets 1 MHz (F_CPU/6 after reset, with margin).
const DefaultTCKHz = 1_000_000

// ChipConfig selects the simulated chip.
type ChipConfig struct {
	Variant string // one of Variants
	Locked  bool   // readout protection on (RDP level 1)
	Seed    uint64 // unique ID seed
	// Maker is an STM32F103 compatible in the ST part's place ("gd32",
	// "cs32", "apm32"); empty for ST silicon.
	Maker string
	// TCKHz is the modeled JTAG clock in Hz, charged per TCK cycle;
	// remote_bitbang carries no speed, so OpenOCD's `adapter speed` does not
	// reach it. 0 means DefaultTCKHz.
	TCKHz uint32
}

// flashModel is what both STM32 models offer for checks.
type flashModel interface {
	hw.Chip
	ReadFlash(off, n int) []byte
	Locked() bool
	Retired() uint64
	Close()
}

// Chip is a simulated STM32 ready to serve: its model, its JTAG chain and
// its clock.
type Chip struct {
	Variant   string
	Clock     *clock.Clock
	Chain     *dap.JTAGChain
	model     flashModel
	flashSize int
}

// NewChip builds the chip and its JTAG chain (boundary-scan TAP, then the
// Cortex-M JTAG-DP), wired as drivers/sim wires a board.
func NewChip(cfg ChipConfig) (*Chip, error) {
	clk := &clock.Clock{}
	var m flashModel
	var err error
	size := 0
	switch strings.ToLower(cfg.Variant) {
	case "stm32f103c8", "stm32f103cb":
		var c *stm32f1.Chip
		c, err = stm32f1.New(stm32f1.Config{Variant: strings.ToLower(cfg.Variant), Maker: stm32f1.Maker(strings.ToLower(cfg.Maker)),
			Locked: cfg.Locked, Seed: cfg.Seed, Clock: clk})
		m = c
		size = 64 << 10
		if strings.EqualFold(cfg.Variant, "stm32f103cb") {
			size = 128 << 10
		}
	case "stm32f411ce":
		if cfg.Maker != "" {
			return nil, fmt.Errorf("bitbang: maker %q applies to the STM32F103 only, not %s", cfg.Maker, cfg.Variant)
		}
		m, err = stm32f4.New(stm32f4.Config{Variant: "stm32f411ce", Locked: cfg.Locked, Seed: cfg.Seed, Clock: clk})
		size = stm32f4.FlashSize
	default:
		return nil, fmt.Errorf("bitbang: no JTAG model for chip %q (known: %s)", cfg.Variant, strings.Join(Variants, ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("bitbang: %w", err)
	}
	var dps []*dap.DP
	for _, spec := range m.DebugPorts() {
		dps = append(dps, dap.NewDP(spec, clk))
	}
	chain := dap.NewJTAGChain(clk, m.JTAGChain(), dps)
	hz := cfg.TCKHz
	if hz == 0 {
		hz = DefaultTCKHz
	}
	chain.SetClock(hz)
	return &Chip{Variant: strings.ToLower(cfg.Variant), Clock: clk, Chain: chain, model: m, flashSize: size}, nil
}

// Target is what a Server drives: the chain, and SRST on nRESET.
// The chip's clock also runs while the server waits for the client.
func (c *Chip) Target() Target {
	return Target{JTAG: c.Chain, SetReset: c.model.SetReset, Idle: c.Clock.Advance}
}

// Flash copies the whole flash array as stored (protection does not apply).
func (c *Chip) Flash() []byte { return c.model.ReadFlash(0, c.flashSize) }

// FlashSHA256 is the SHA-256 of the whole flash array.
func (c *Chip) FlashSHA256() [32]byte { return sha256.Sum256(c.Flash()) }

// Locked reports whether readout protection is in force.
func (c *Chip) Locked() bool { return c.model.Locked() }

// Retired is the number of instructions the chip's core has executed
// since power-on: code a debugger ran on the target (flash loaders, CRC)
// shows here.
func (c *Chip) Retired() uint64 { return c.model.Retired() }

// Close frees the core's execution engine; the chip is discarded.
func (c *Chip) Close() { c.model.Close() }

// Model is the chip model, for checks that need more than flash.
func (c *Chip) Model() hw.Chip { return c.model }
