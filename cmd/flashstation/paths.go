package main

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

// defaultDBPath is where attempts are recorded unless --db or
// FLASHSTATION_DB says otherwise: $XDG_DATA_HOME/flashstation/attempts.db,
// else ~/.local/share/flashstation/attempts.db (XDG base directory spec).
func defaultDBPath(getenv func(string) string) (string, error) {
	if p := getenv("FLASHSTATION_DB"); p != "" {
		return p, nil
	}
	if d := getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "flashstation", "attempts.db"), nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", errors.New("no database path: set --db, FLASHSTATION_DB, XDG_DATA_HOME or HOME")
	}
	return filepath.Join(home, ".local", "share", "flashstation", "attempts.db"), nil
}

// addDBFlag adds --db to cmd and returns a function that resolves the
// database path once flags are parsed.
func addDBFlag(cmd *cobra.Command) func() (string, error) {
	var path string
	cmd.Flags().StringVar(&path, "db", "", "attempt database (default $FLASHSTATION_DB, else $XDG_DATA_HOME/flashstation/attempts.db)")
	return func() (string, error) {
		if path != "" {
			return path, checkDBDir("--db", path)
		}
		p, err := defaultDBPath(os.Getenv)
		if err != nil {
			return "", usageErrorf("%w", err)
		}
		if env := os.Getenv("FLASHSTATION_DB"); env != "" {
			return p, checkDBDir("FLASHSTATION_DB", p)
		}
		return p, nil // the XDG location: its folder is made on first use
	}
}

// checkDBDir refuses a database path given by hand whose folder does not
// exist: a typo (or a missing mount) must not start a new, empty
// database beside the real one. Only the default location is created.
func checkDBDir(what, path string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return usageErrorf("%s %s: the directory %s does not exist (create it, or correct the path)", what, path, dir)
	case !st.IsDir():
		return usageErrorf("%s %s: %s is not a directory", what, path, dir)
	}
	return nil
}

// dbError maps a store error to the exit status it deserves: everything the
// store refuses to open is a failed operation (1), not bad usage.
func dbError(err error) error {
	if err == nil {
		return nil
	}
	return failed(err)
}
