package main

import (
	"fmt"
	"log/slog"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/flashstation/flashstation/central"
	"github.com/flashstation/flashstation/jobs"
)

func init() { register(newCentralCmd) }

func newCentralCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "central", Short: "Work with the factory database named in station.toml's [central]"}
	cmd.AddCommand(newDefineSeriesCmd(), newGiveBackCmd())
	return cmd
}

// centralOf loads station.toml and builds a client for its [central].
func centralOf(cmd *cobra.Command, file string) (*central.Client, string, error) {
	if file == "" {
		return nil, "", usageErrorf("--config station.toml is required: its [central] names the database")
	}
	cfg, _, err := loadStation(file, "127.0.0.1:0")
	if err != nil {
		return nil, "", reportProblems(cmd.ErrOrStderr(), file, err)
	}
	if cfg.Central == nil {
		return nil, "", usageErrorf("%s has no [central] section", file)
	}
	c, err := central.New(*cfg.Central, slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil)))
	if err != nil {
		return nil, "", failed(err)
	}
	return c, cfg.Database, nil
}

func newDefineSeriesCmd() *cobra.Command {
	var file string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "define-series NAME FIRST",
		Short: "Define a factory-wide serial series starting at FIRST (once for the factory; again with the same FIRST is a no-op)",
		Args:  cobra.ExactArgs(2),
	}
	cmd.Flags().StringVar(&file, "config", "", "station.toml whose [central] names the database")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON document")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		first, err := strconv.ParseUint(args[1], 10, 64)
		if err != nil {
			return usageErrorf("FIRST %q is not a whole number", args[1])
		}
		c, _, err := centralOf(cmd, file)
		if err != nil {
			return err
		}
		defer c.Close()
		if err := c.DefineSeries(cmd.Context(), args[0], first); err != nil {
			return failed(err)
		}
		if asJSON {
			return writeJSON(cmd.OutOrStdout(), map[string]any{"series": args[0], "first": first})
		}
		fmt.Fprintf(cmd.OutOrStdout(), "series %s starts at %d in %s\n", args[0], first, c.Where())
		return nil
	}
	return cmd
}

func newGiveBackCmd() *cobra.Command {
	var file string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "give-back SERIES",
		Short: "Give the unused numbers of SERIES back (recorded as skipped); the station must be stopped",
		Args:  cobra.ExactArgs(1),
	}
	cmd.Flags().StringVar(&file, "config", "", "station.toml whose [central] names the database")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON document")
	dbPath := addDBFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, path, err := centralOf(cmd, file)
		if err != nil {
			return err
		}
		defer c.Close()
		if path == "" || cmd.Flags().Changed("db") {
			if path, err = dbPath(); err != nil {
				return err
			}
		}
		store, err := jobs.Open(path, jobs.Options{LeasedSerials: true, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			return dbError(err)
		}
		defer store.Close()
		un, err := store.MarkReturning(cmd.Context(), args[0])
		if err != nil {
			return failed(err)
		}
		skipped := 0
		for _, u := range un {
			skipped += len(u.Numbers)
		}
		if err := central.NewLeaser(c, store, []string{args[0]}, nil).GiveBack(cmd.Context(), args[0]); err != nil {
			return failed(fmt.Errorf("%w (the numbers stay out of use and are recorded when the station next reaches the database)", err))
		}
		if asJSON {
			return writeJSON(cmd.OutOrStdout(), map[string]any{"series": args[0], "blocks": len(un), "skipped": skipped})
		}
		fmt.Fprintf(cmd.OutOrStdout(), "series %s: %d blocks given back, %d unused numbers recorded as skipped\n", args[0], len(un), skipped)
		return nil
	}
	return cmd
}
