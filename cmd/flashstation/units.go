package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/flashstation/flashstation/jobs"
	"github.com/spf13/cobra"
)

func init() { register(newUnitsCmd) }

func newUnitsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "units",
		Short: "Query recorded attempts per unit: list, show, export",
	}
	cmd.AddCommand(newUnitsListCmd(), newUnitsShowCmd(), newUnitsExportCmd())
	return cmd
}

// openReader opens the store read-only: readers share the file with each
// other, but bbolt's lock keeps them out while a writer (serve) has it.
func openReader(path string) (*jobs.Store, error) {
	s, err := jobs.Open(path, jobs.Options{ReadOnly: true})
	return s, dbError(err)
}

// filterFlags are the selection flags list and export share.
type filterFlags struct {
	uid, since, until, result, recipe, slot string
	limit                                   int
}

func (f *filterFlags) bind(cmd *cobra.Command, defaultLimit int) {
	fl := cmd.Flags()
	fl.StringVar(&f.uid, "uid", "", "only this unit (hex UID)")
	fl.StringVar(&f.since, "since", "", "started at or after: RFC 3339, YYYY-MM-DD (local midnight), or a duration back such as 24h or 7d")
	fl.StringVar(&f.until, "until", "", "started before: same forms as --since")
	fl.StringVar(&f.result, "result", "", "only these results, comma-separated: pass,fail,error,aborted,interrupted,running")
	fl.StringVar(&f.recipe, "recipe", "", "only this recipe name")
	fl.StringVar(&f.slot, "slot", "", "only this slot")
	fl.IntVar(&f.limit, "limit", defaultLimit, "at most this many attempts (0: no limit)")
}

// build turns the flags into a filter; every bad value names its flag.
func (f *filterFlags) build(now time.Time) (jobs.Filter, error) {
	var out jobs.Filter
	var err error
	if f.uid != "" {
		if out.UID, err = jobs.NormalizeUID(f.uid); err != nil {
			return out, usageErrorf("--uid: %w", err)
		}
	}
	if f.since != "" {
		if out.Since, err = jobs.ParseTimeBound(f.since, now); err != nil {
			return out, usageErrorf("--since: %w", err)
		}
	}
	if f.until != "" {
		if out.Until, err = jobs.ParseTimeBound(f.until, now); err != nil {
			return out, usageErrorf("--until: %w", err)
		}
	}
	if !out.Since.IsZero() && !out.Until.IsZero() && !out.Since.Before(out.Until) {
		return out, usageErrorf("--since %s is not before --until %s", f.since, f.until)
	}
	if f.result != "" {
		if out.Results, err = jobs.ParseResults(f.result); err != nil {
			return out, usageErrorf("--result: %w", err)
		}
	}
	if f.limit < 0 {
		return out, usageErrorf("--limit %d is negative", f.limit)
	}
	out.Recipe, out.Slot, out.Limit = f.recipe, f.slot, f.limit
	return out, nil
}

func newUnitsListCmd() *cobra.Command {
	var ff filterFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List recorded attempts, newest first",
		Args:  cobra.NoArgs,
	}
	dbPath := addDBFlag(cmd)
	ff.bind(cmd, 50)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON array")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		f, err := ff.build(time.Now())
		if err != nil {
			return err
		}
		f.Newest = true
		path, err := dbPath()
		if err != nil {
			return err
		}
		s, err := openReader(path)
		if err != nil {
			return err
		}
		defer s.Close()
		attempts, err := s.Query(cmd.Context(), f)
		if err != nil {
			return failed(err)
		}
		if asJSON {
			if attempts == nil {
				attempts = []*jobs.Attempt{}
			}
			return writeJSON(cmd.OutOrStdout(), attempts)
		}
		return jobs.WriteTable(cmd.OutOrStdout(), attempts)
	}
	return cmd
}

// unitReport is `units show --json`.
type unitReport struct {
	UID      string          `json:"uid"`
	Attempts []*jobs.Attempt `json:"attempts"`
}

func newUnitsShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show UID",
		Short: "Every attempt of one unit, step by step with log lines",
		Args:  cobra.ExactArgs(1),
	}
	dbPath := addDBFlag(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON document")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		uid, err := jobs.NormalizeUID(args[0])
		if err != nil {
			return badInput(err)
		}
		path, err := dbPath()
		if err != nil {
			return err
		}
		s, err := openReader(path)
		if err != nil {
			return err
		}
		defer s.Close()
		attempts, err := s.ByUnit(cmd.Context(), uid)
		if err != nil {
			return failed(err)
		}
		if asJSON {
			return writeJSON(cmd.OutOrStdout(), unitReport{UID: uid, Attempts: attempts})
		}
		return jobs.WriteUnit(cmd.OutOrStdout(), uid, attempts)
	}
	return cmd
}

func newUnitsExportCmd() *cobra.Command {
	var ff filterFlags
	var format, out string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export attempts, oldest first, as JSON lines or CSV",
		Args:  cobra.NoArgs,
	}
	dbPath := addDBFlag(cmd)
	ff.bind(cmd, 0)
	cmd.Flags().StringVar(&format, "format", "jsonl", "jsonl (one attempt per line) or csv (one row per attempt)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to this file instead of stdout")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		fmtv, err := jobs.ParseFormat(format)
		if err != nil {
			return usageErrorf("--format: %w", err)
		}
		f, err := ff.build(time.Now())
		if err != nil {
			return err
		}
		path, err := dbPath()
		if err != nil {
			return err
		}
		s, err := openReader(path)
		if err != nil {
			return err
		}
		defer s.Close()
		return exportTo(cmd.Context(), s, cmd.OutOrStdout(), out, fmtv, f)
	}
	return cmd
}

// exportTo writes to stdout, or to file through a temporary name so a
// failed export never leaves a half file that looks complete.
func exportTo(ctx context.Context, s *jobs.Store, stdout io.Writer, file string, format jobs.Format, f jobs.Filter) error {
	if file == "" {
		_, err := s.Export(ctx, stdout, format, f)
		return failed(err)
	}
	tmp := file + ".partial"
	w, err := os.Create(tmp)
	if err != nil {
		return failed(fmt.Errorf("export: %w", err))
	}
	_, err = s.Export(ctx, w, format, f)
	err = errors.Join(err, w.Close())
	if err == nil {
		err = os.Rename(tmp, file)
	}
	if err != nil {
		os.Remove(tmp)
		return failed(fmt.Errorf("export to %s: %w", file, err))
	}
	return nil
}
