package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/discover"
	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/openocd"
	"github.com/flashstation/flashstation/drivers/sim"
	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/recipes"
	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/facts"
	"github.com/flashstation/flashstation/targets/native"
	_ "github.com/flashstation/flashstation/targets/native/all" // every chip family
)

// benchFlags are the flags every command that reaches one board shares:
// the probe selector (or --sim), the SWD speed, the driver, --json.
type benchFlags struct {
	bus      busChoice
	selector string
	chip     string
	speedKHz uint32
	driver   string
	asJSON   bool
	db       func() (string, error) // nil for commands that record nothing
}

// addBenchFlags adds the shared flags to cmd. withChip adds --chip (flash
// takes the chip from its recipe); withDB adds --db for commands that
// record an attempt.
func addBenchFlags(cmd *cobra.Command, withChip, withDB bool) *benchFlags {
	b := &benchFlags{}
	fl := cmd.Flags()
	fl.StringVar(&b.selector, "probe", "", "probe: SERIAL, VID:PID:SERIAL or usb:BUS-PORT.PORT (needed when several are attached)")
	fl.StringVar(&b.bus.simSpec, "sim", "", "use a simulated fixture instead of USB, e.g. 'stlink-v2:stm32f103c8'")
	fl.BoolVar(&b.bus.realtime, "realtime", false, "with --sim: take the modeled time in wall time")
	fl.Uint32Var(&b.speedKHz, "speed", 4000, "SWD clock in kHz (--clock is the same)")
	fl.StringVar(&b.driver, "driver", "", "native or openocd (default: OpenOCD for J-Link, native for the rest)")
	fl.BoolVar(&b.asJSON, "json", false, "print JSON")
	if withChip {
		fl.StringVar(&b.chip, "chip", "", "chip variant, e.g. stm32f103c8 (`flashstation chips` lists them)")
	}
	if withDB {
		b.db = addDBFlag(cmd)
	}
	// --clock is what flash called the speed before; probe-rs names it
	// --speed. Both reach one flag, and messages say --speed.
	fl.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if name == "clock" {
			name = "speed"
		}
		return pflag.NormalizedName(name)
	})
	return b
}

// check refuses flag combinations that cannot work, before any probe is
// touched.
func (b *benchFlags) check() error {
	if b.driver != "" && b.driver != "native" && b.driver != "openocd" {
		return usageErrorf("--driver %q: want native or openocd", b.driver)
	}
	if b.bus.realtime && b.bus.simSpec == "" {
		return usageErrorf("--realtime needs --sim: only a simulated probe has modeled time to take in wall time")
	}
	if b.speedKHz == 0 || b.speedKHz > maxClockKHz {
		return usageErrorf("--speed %d: want a positive SWD clock in kHz, at most %d", b.speedKHz, maxClockKHz)
	}
	if b.bus.simSpec != "" && b.driver == "openocd" {
		return usageErrorf("--driver openocd with --sim: %s", simNoOpenOCD)
	}
	return nil
}

// variant resolves --chip.
func (b *benchFlags) variant() (*facts.Variant, error) {
	if b.chip == "" {
		return nil, usageErrorf("--chip VARIANT is required: one of %s", strings.Join(variantNames(), ", "))
	}
	v, err := facts.Lookup(b.chip)
	if err != nil {
		return nil, usageErrorf("--chip: %w", err)
	}
	return v, nil
}

func variantNames() []string {
	var names []string
	for _, v := range facts.All() {
		names = append(names, v.Name)
	}
	return names
}

// bench is one probe chosen for a bench command, and how to reach the
// board behind it.
type bench struct {
	flags   *benchFlags
	bus     link.Bus
	fixture *sim.Fixture
	found   discover.Found
	close   func()
	probe   drivers.Probe // opened by connect (native only)
}

// open finds the probe the flags select.
func (b *benchFlags) open(ctx context.Context) (*bench, error) {
	bus, fixture, closeBus, note, err := b.bus.open()
	if err != nil {
		return nil, err
	}
	found, err := pickProbe(ctx, bus, b.selector, note)
	if err != nil {
		closeBus()
		return nil, err
	}
	if b.bus.simSpec != "" && found.Kind == drivers.JLink {
		// J-Link goes through OpenOCD by default, and --driver native
		// has no J-Link driver: a simulated one cannot be flashed.
		closeBus()
		return nil, usageErrorf("--sim: the J-Link at %s cannot be flashed: %s", found.Device.Port, simNoOpenOCD)
	}
	return &bench{flags: b, bus: bus, fixture: fixture, found: found, close: closeBus}, nil
}

// Close closes the probe connect opened and the bus.
func (bn *bench) Close() {
	if bn.probe != nil {
		bn.probe.Close()
		bn.probe = nil
	}
	bn.close()
}

// connect opens a session on v: through OpenOCD for J-Link (or
// --driver openocd), natively otherwise.
func (bn *bench) connect(ctx context.Context, v *facts.Variant) (targets.Session, error) {
	f := bn.found
	if usesOpenOCD(bn.flags.driver, f.Kind) {
		op := openocd.NewProbe(drivers.Identity{Kind: f.Kind, VID: f.Device.VID, PID: f.Device.PID,
			Serial: f.Serial, Port: f.Device.Port, Product: f.Device.Product})
		return openocd.OpenSession(ctx, op, v, slog.Default())
	}
	if bn.probe == nil {
		p, err := discover.Open(ctx, bn.bus, f, slog.Default())
		if err != nil {
			return nil, err
		}
		bn.probe = p
	}
	return native.OpenWith(ctx, bn.probe, v, native.Options{ClockHz: bn.flags.speedKHz * 1000})
}

// execute runs r on the board as one recorded attempt, prints it (the
// record as JSON with --json) and maps the result to the exit status.
func (bn *bench) execute(cmd *cobra.Command, r *recipes.Recipe) error {
	dbPath, err := bn.flags.db()
	if err != nil {
		return err
	}
	store, err := openStore(dbPath, jobs.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	defer store.Close()
	ctx := cmd.Context()
	stderr := cmd.ErrOrStderr()
	progress := newStepProgress(stderr)
	if !bn.flags.asJSON && progress.live == nil {
		fmt.Fprintf(stderr, "%s: %s through %s %s\n", r.Name, r.Target.Facts.Part, bn.found.Kind, bn.found.Device.Port)
	}
	events := progress.event
	var modeled *modeledTimes
	if now := bn.modeledClock(); now != nil {
		modeled = newModeledTimes(now)
		events = modeled.hook(events)
		// Rates and ETAs in modeled time: the hardware's, not the
		// simulator's few milliseconds.
		progress.now = func() time.Time { return time.Unix(0, 0).Add(now()) }
	}
	run := &recipes.Run{Recipe: r, Store: store, Station: "bench", ProbeSerial: bn.found.Serial, Events: events,
		Connect: func(ctx context.Context) (targets.Session, error) { return bn.connect(ctx, r.Target.Facts) }}
	a, err := run.Execute(ctx)
	progress.wait()
	if err != nil {
		return failed(err)
	}
	if bn.flags.asJSON {
		var out any = a
		if modeled != nil {
			out = attemptWithModeled{Attempt: a, Modeled: modeled.report()}
		}
		if err := writeJSON(cmd.OutOrStdout(), out); err != nil {
			return err
		}
	} else {
		printAttempt(cmd.OutOrStdout(), a, r)
		if modeled != nil {
			modeled.report().print(cmd.OutOrStdout())
		}
	}
	return attemptExit(ctx, a, r)
}

// attemptExit is the exit status of an ended attempt: 0 on pass, 130
// when the user interrupted it (recorded as aborted), 1 otherwise.
func attemptExit(ctx context.Context, a *jobs.Attempt, r *recipes.Recipe) error {
	switch {
	case a.Result == jobs.Pass:
		return nil
	case a.Result == jobs.Aborted && ctx.Err() != nil:
		return interrupted(fmt.Errorf("interrupted: %s stopped at %s; attempt %s recorded as aborted", r.Name, a.FailedStep, a.ID))
	}
	return failed(fmt.Errorf("%s: %s at %s: %s", a.Result, r.Name, a.FailedStep, a.Error))
}

// attemptWithModeled is the --json record of an attempt on a simulated
// probe: the attempt as stored, and the modeled seconds beside it (they are
// not part of the record: a real probe has none).
type attemptWithModeled struct {
	*jobs.Attempt
	Modeled *modeledReport `json:"modeled"`
}

// modeledClock is the modeled clock of the simulated probe the command
// runs on, nil on real hardware.
func (bn *bench) modeledClock() func() time.Duration {
	if bn.fixture == nil {
		return nil
	}
	for _, slot := range bn.fixture.Slots {
		if slot.Probe.Port() == bn.found.Device.Port {
			return slot.Probe.Clock().Now
		}
	}
	return nil
}

// parseNumber reads a decimal or 0x-hex number (addresses, lengths).
func parseNumber(what, s string, max uint64) (uint64, error) {
	n, err := strconv.ParseUint(strings.ReplaceAll(s, "_", ""), 0, 64)
	if err != nil {
		return 0, usageErrorf("%s %q: want a number, decimal or 0x hex", what, s)
	}
	if n > max {
		return 0, usageErrorf("%s %s: at most %#x", what, s, max)
	}
	return n, nil
}

// openStore opens the attempt database for writing.
func openStore(path string, o jobs.Options) (*jobs.Store, error) {
	store, err := jobs.Open(path, o)
	if err != nil {
		return nil, dbError(err)
	}
	return store, nil
}

var errNoReader = errors.New("this session cannot read memory (OpenOCD sessions hand whole operations to OpenOCD): use --driver native with a CMSIS-DAP or ST-Link probe")
