package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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
	if errors.Is(err, jobs.ErrInUse) {
		// The alert rules send QA here while the station runs.
		err = fmt.Errorf("%w: while it runs, ask the station instead (units list, show, export --station http://HOST:PORT; a copy from its /api/backup)", err)
	}
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
	var sf stationFlags
	var zf zoneFlag
	dbPath := addDBFlag(cmd)
	ff.bind(cmd, 50)
	sf.bind(cmd)
	zf.bind(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON array (times in RFC 3339 UTC)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		loc, err := zf.location()
		if err != nil {
			return err
		}
		f, err := ff.build(time.Now().In(loc))
		if err != nil {
			return err
		}
		f.Newest = true
		remote, err := sf.client(cmd)
		if err != nil {
			return err
		}
		var attempts []*jobs.Attempt
		if remote != nil {
			if f.Limit <= 0 || f.Limit > maxRemoteList {
				return usageErrorf("--limit %d with --station: the station answers 1 to %d attempts at once (units export --station has no limit)", f.Limit, maxRemoteList)
			}
			if attempts, err = remote.attempts(cmd.Context(), f); err != nil {
				return err
			}
		} else {
			path, err := dbPath()
			if err != nil {
				return err
			}
			s, err := openReader(path)
			if err != nil {
				return err
			}
			defer s.Close()
			if attempts, err = s.Query(cmd.Context(), f); err != nil {
				return failed(err)
			}
		}
		if asJSON {
			if attempts == nil {
				attempts = []*jobs.Attempt{}
			}
			return writeJSON(cmd.OutOrStdout(), attempts)
		}
		return jobs.WriteTable(cmd.OutOrStdout(), attempts, loc)
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
	var sf stationFlags
	var zf zoneFlag
	dbPath := addDBFlag(cmd)
	sf.bind(cmd)
	zf.bind(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON document (times in RFC 3339 UTC)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		uid, err := jobs.NormalizeUID(args[0])
		if err != nil {
			return badInput(err)
		}
		loc, err := zf.location()
		if err != nil {
			return err
		}
		remote, err := sf.client(cmd)
		if err != nil {
			return err
		}
		var attempts []*jobs.Attempt
		if remote != nil {
			if attempts, err = remote.unit(cmd.Context(), uid); err != nil {
				return err
			}
		} else {
			path, err := dbPath()
			if err != nil {
				return err
			}
			s, err := openReader(path)
			if err != nil {
				return err
			}
			defer s.Close()
			if attempts, err = s.ByUnit(cmd.Context(), uid); err != nil {
				return failed(err)
			}
		}
		if asJSON {
			return writeJSON(cmd.OutOrStdout(), unitReport{UID: uid, Attempts: attempts})
		}
		return jobs.WriteUnit(cmd.OutOrStdout(), uid, attempts, loc)
	}
	return cmd
}

func newUnitsExportCmd() *cobra.Command {
	var ff filterFlags
	var sf stationFlags
	var format, out string
	var force bool
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export attempts, oldest first, as JSON lines or CSV",
		Args:  cobra.NoArgs,
	}
	dbPath := addDBFlag(cmd)
	ff.bind(cmd, 0)
	sf.bind(cmd)
	cmd.Flags().StringVar(&format, "format", "", "jsonl (one attempt per line) or csv (one row per attempt); default: from -o's extension (.csv), else jsonl")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to this file instead of stdout (never over an existing one without --force)")
	cmd.Flags().BoolVar(&force, "force", false, "with -o: overwrite the file if it exists")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		fmtv, err := exportFormat(format, out)
		if err != nil {
			return err
		}
		if err := refuseOverwrite("-o", out, force); err != nil {
			return err
		}
		// Output is RFC 3339 UTC; --since dates still read in $TZ's zone,
		// as units list reads them.
		loc, err := displayLocation(os.LookupEnv, false)
		if err != nil {
			return err
		}
		f, err := ff.build(time.Now().In(loc))
		if err != nil {
			return err
		}
		remote, err := sf.client(cmd)
		if err != nil {
			return err
		}
		var s *jobs.Store
		if remote != nil {
			// A consistent copy through /api/backup, exported here: the
			// same rows as --db on the station, with no page limit.
			var cleanup func()
			if s, cleanup, err = remote.snapshot(cmd.Context()); err != nil {
				return err
			}
			defer cleanup()
		} else {
			path, err := dbPath()
			if err != nil {
				return err
			}
			if s, err = openReader(path); err != nil {
				return err
			}
		}
		defer s.Close()
		return exportTo(cmd.Context(), s, cmd.OutOrStdout(), out, fmtv, f)
	}
	return cmd
}

// exportFormat is --format, or the format -o's extension names: a .csv
// file gets CSV, .jsonl/.ndjson/.json JSON lines; a --format that
// contradicts the extension is refused rather than writing JSON into a
// file every spreadsheet opens as CSV.
func exportFormat(flag, out string) (jobs.Format, error) {
	var byExt jobs.Format
	switch strings.ToLower(filepath.Ext(out)) {
	case ".csv":
		byExt = jobs.CSV
	case ".jsonl", ".ndjson", ".json":
		byExt = jobs.JSONLines
	}
	if flag == "" {
		if byExt != "" {
			return byExt, nil
		}
		return jobs.JSONLines, nil
	}
	f, err := jobs.ParseFormat(flag)
	if err != nil {
		return "", usageErrorf("--format: %w", err)
	}
	if byExt != "" && f != byExt {
		return "", usageErrorf("--format %s but -o %s names %s: make them agree", flag, out, byExt)
	}
	return f, nil
}

// refuseOverwrite: an output file that exists is kept unless --force.
func refuseOverwrite(flag, path string, force bool) error {
	if path == "" || force {
		return nil
	}
	if _, err := os.Lstat(path); err == nil {
		return usageErrorf("%s %s: the file exists; pass --force to overwrite it", flag, path)
	}
	return nil
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
