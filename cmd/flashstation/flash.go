package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/discover"
	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/openocd"
	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/recipes"
	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/native"
	_ "github.com/flashstation/flashstation/targets/native/all" // every chip family
)

func init() { register(newFlashCmd) }

func newFlashCmd() *cobra.Command {
	var (
		bc         busChoice
		recipePath string
		selector   string
		asJSON     bool
		clockKHz   uint32
		driver     string
		dbFlag     func() (string, error)
	)
	cmd := &cobra.Command{
		Use:   "flash --recipe FILE [--probe SELECTOR | --sim SPEC]",
		Short: "Run one recipe on one board, record the attempt, print the unit and the result",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if recipePath == "" {
				return usageErrorf("flash: --recipe FILE is required")
			}
			if driver != "" && driver != "native" && driver != "openocd" {
				return usageErrorf("--driver %q: want native or openocd", driver)
			}
			if bc.realtime && bc.simSpec == "" {
				return usageErrorf("--realtime needs --sim: only a simulated probe has modeled time to take in wall time")
			}
			if clockKHz == 0 || clockKHz > maxClockKHz {
				return usageErrorf("--clock %d: want a positive SWD clock in kHz, at most %d", clockKHz, maxClockKHz)
			}
			if bc.simSpec != "" && driver == "openocd" {
				return usageErrorf("--driver openocd with --sim: %s", simNoOpenOCD)
			}
			r, err := recipes.Load(recipePath)
			if err != nil {
				return badInput(err)
			}
			dbPath, err := dbFlag()
			if err != nil {
				return err
			}
			bus, fixture, closeBus, note, err := bc.open()
			if err != nil {
				return err
			}
			defer closeBus()
			ctx := cmd.Context()
			found, err := pickProbe(ctx, bus, selector, note)
			if err != nil {
				return err
			}
			if bc.simSpec != "" && found.Kind == drivers.JLink {
				// J-Link goes through OpenOCD by default, and --driver native
				// has no J-Link driver: a simulated one cannot be flashed.
				return usageErrorf("--sim: the J-Link at %s cannot be flashed: %s", found.Device.Port, simNoOpenOCD)
			}
			store, err := jobs.Open(dbPath, jobs.Options{Timeout: time.Second})
			if err != nil {
				return dbError(err)
			}
			defer store.Close()

			progress := newStepProgress(cmd.ErrOrStderr())
			if !asJSON && !isTerminal(cmd.ErrOrStderr()) {
				fmt.Fprintf(cmd.ErrOrStderr(), "flashing %s with %s through %s %s\n", r.Target.Facts.Part, r.Name, found.Kind, found.Device.Port)
			}
			var probe drivers.Probe
			run := &recipes.Run{Recipe: r, Store: store, Station: "bench", ProbeSerial: found.Serial, Events: progress.event,
				Connect: func(ctx context.Context) (targets.Session, error) {
					if usesOpenOCD(driver, found.Kind) {
						op := openocd.NewProbe(drivers.Identity{Kind: found.Kind, VID: found.Device.VID, PID: found.Device.PID,
							Serial: found.Serial, Port: found.Device.Port, Product: found.Device.Product})
						return openocd.OpenSession(ctx, op, r.Target.Facts, slog.Default())
					}
					p, err := discover.Open(ctx, bus, found, slog.Default())
					if err != nil {
						return nil, err
					}
					probe = p
					return native.OpenWith(ctx, p, r.Target.Facts, native.Options{ClockHz: clockKHz * 1000})
				}}
			a, err := run.Execute(ctx)
			progress.wait()
			if probe != nil {
				probe.Close()
			}
			if err != nil {
				return failed(err)
			}
			if asJSON {
				if err := writeJSON(cmd.OutOrStdout(), a); err != nil {
					return err
				}
			} else {
				printAttempt(cmd.OutOrStdout(), a, r)
				if fixture != nil {
					for _, slot := range fixture.Slots {
						if slot.Probe.Port() == found.Device.Port {
							fmt.Fprintf(cmd.OutOrStdout(), "modeled  %s on the simulated probe (what the hardware would take)\n",
								slot.Probe.Clock().Now().Round(time.Millisecond))
						}
					}
				}
			}
			if a.Result != jobs.Pass {
				return failed(fmt.Errorf("%s: %s at %s: %s", a.Result, r.Name, a.FailedStep, a.Error))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&recipePath, "recipe", "", "recipe file (TOML)")
	cmd.Flags().StringVar(&selector, "probe", "", "probe: SERIAL, VID:PID:SERIAL or usb:BUS-PORT.PORT (needed when several are attached)")
	cmd.Flags().StringVar(&bc.simSpec, "sim", "", "use a simulated fixture instead of USB, e.g. 'stlink-v2:stm32f103c8'")
	cmd.Flags().BoolVar(&bc.realtime, "realtime", false, "with --sim: take the modeled time in wall time")
	cmd.Flags().Uint32Var(&clockKHz, "clock", 4000, "SWD clock in kHz")
	cmd.Flags().StringVar(&driver, "driver", "", "native or openocd (default: OpenOCD for J-Link, native for the rest)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the attempt record as JSON")
	dbFlag = addDBFlag(cmd)
	return cmd
}

// maxClockKHz keeps --clock in Hz within a uint32 (the drivers' unit).
const maxClockKHz = math.MaxUint32 / 1000

// simNoOpenOCD is why flash refuses --sim with OpenOCD.
const simNoOpenOCD = "--sim probes are simulated in this process; OpenOCD (used for J-Link, and by --driver openocd) " +
	"cannot reach them: use --driver native with a CMSIS-DAP or ST-Link spec, or a real probe"

// usesOpenOCD says whether flash drives a probe of this kind through
// OpenOCD: when --driver says so, and by default for J-Link, which has no
// native driver. It matches the station's rule for a slot's driver.
func usesOpenOCD(driver string, kind drivers.Kind) bool {
	switch driver {
	case "openocd":
		return true
	case "native":
		return false
	}
	return kind == drivers.JLink
}

// pickProbe finds the probe to use: the one the selector names, or the
// only one attached.
func pickProbe(ctx context.Context, bus link.Bus, selector, note string) (discover.Found, error) {
	found, err := discover.Scan(ctx, bus)
	if err != nil {
		return discover.Found{}, failed(err)
	}
	if selector != "" {
		sel, err := discover.ParseSelector(selector)
		if err != nil {
			return discover.Found{}, usageErrorf("--probe: %w", err)
		}
		f, err := discover.Select(found, sel)
		if err != nil {
			return discover.Found{}, failed(err)
		}
		return f, nil
	}
	switch len(found) {
	case 0:
		msg := "no debug probe is attached"
		if note != "" {
			msg += " (" + note + ")"
		}
		return discover.Found{}, failed(errors.New(msg))
	case 1:
		if !found[0].Usable {
			return discover.Found{}, failed(fmt.Errorf("probe at %s cannot be used: %s", found[0].Device.Port, strings.Join(found[0].Notes, "; ")))
		}
		return found[0], nil
	}
	var list []string
	for _, f := range found {
		list = append(list, fmt.Sprintf("%s %s (%s)", f.Kind, orDash(f.Serial), f.Device.Port))
	}
	return discover.Found{}, usageErrorf("%d probes are attached; choose one with --probe: %s", len(found), strings.Join(list, "; "))
}

func printAttempt(w io.Writer, a *jobs.Attempt, r *recipes.Recipe) {
	unit := a.UnitUID
	if unit == "" {
		unit = "(not identified)"
	}
	fmt.Fprintf(w, "unit     %s\n", unit)
	if a.DeviceID != "" {
		fmt.Fprintf(w, "chip     %s (device id %s)\n", r.Target.Facts.Part, a.DeviceID)
	}
	fmt.Fprintf(w, "recipe   %s (firmware %s…)\n", r.Name, a.FirmwareSHA256[:12])
	fmt.Fprintf(w, "attempt  %s\n", a.ID)
	for _, s := range a.Steps {
		fmt.Fprintf(w, "  %-12s %-8s %8s", s.Name, s.Result, s.Duration.Round(time.Millisecond))
		if s.Error != "" {
			fmt.Fprintf(w, "  %s", s.Error)
		}
		fmt.Fprintln(w)
	}
	for _, s := range a.Serials {
		fmt.Fprintf(w, "serial   %s #%d (%s)\n", s.Series, s.Number, s.State)
	}
	fmt.Fprintf(w, "result   %s in %s\n", strings.ToUpper(string(a.Result)), a.Ended.Sub(a.Started).Round(time.Millisecond))
}
