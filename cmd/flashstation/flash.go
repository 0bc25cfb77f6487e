package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/discover"
	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/recipes"
)

func init() { register(newFlashCmd) }

func newFlashCmd() *cobra.Command {
	var recipePath string
	var b *benchFlags
	cmd := &cobra.Command{
		Use:   "flash --recipe FILE [--probe SELECTOR | --sim SPEC]",
		Short: "Run one recipe on one board, record the attempt, print the unit and the result",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if recipePath == "" {
				return usageErrorf("flash: --recipe FILE is required")
			}
			if err := b.check(); err != nil {
				return err
			}
			r, err := recipes.Load(recipePath)
			if err != nil {
				return badInput(err)
			}
			if _, err := b.db(); err != nil {
				return err
			}
			bn, err := b.open(cmd.Context())
			if err != nil {
				return err
			}
			defer bn.Close()
			return bn.execute(cmd, r)
		},
	}
	cmd.Flags().StringVar(&recipePath, "recipe", "", "recipe file (TOML)")
	b = addBenchFlags(cmd, false, true)
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
	switch {
	case len(a.Images) > 0:
		var parts []string
		for _, im := range a.Images {
			parts = append(parts, im.Name+" "+im.SHA256[:min(12, len(im.SHA256))]+"…")
		}
		fmt.Fprintf(w, "recipe   %s (images %s)\n", r.Name, strings.Join(parts, ", "))
	case r.Firmware.Image != nil && len(a.FirmwareSHA256) >= 12:
		fmt.Fprintf(w, "recipe   %s (firmware %s…)\n", r.Name, a.FirmwareSHA256[:12])
	default:
		fmt.Fprintf(w, "recipe   %s (no firmware)\n", r.Name)
	}
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
