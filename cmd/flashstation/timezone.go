package main

import (
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// zoneFlag is --utc on commands that print times as text: local time with
// its offset by default (operators and QA read the wall clock), UTC when
// asked. JSON and CSV are RFC 3339 UTC either way.
type zoneFlag struct{ utc bool }

func (z *zoneFlag) bind(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&z.utc, "utc", false, "print times in UTC (default: local time with its offset, as $TZ or the system sets it); --since dates are read in the same zone")
}

// location is the zone text output uses and --since/--until dates are
// read in.
func (z *zoneFlag) location() (*time.Location, error) {
	return displayLocation(os.LookupEnv, z.utc)
}

// displayLocation reads $TZ itself rather than trusting time.Local, so the
// zone is the one this command was started with and a TZ that names no
// zone is one clear error instead of Go's silent fall back to UTC. TZ set
// but empty is UTC, as POSIX and Go read it; unset is the system's zone.
func displayLocation(lookup func(string) (string, bool), utc bool) (*time.Location, error) {
	if utc {
		return time.UTC, nil
	}
	tz, set := lookup("TZ")
	if !set {
		return time.Local, nil
	}
	name := strings.TrimPrefix(tz, ":") // POSIX's ":Europe/Berlin"
	switch name {
	case "", "UTC":
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, usageErrorf("TZ %q names no time zone this machine knows (want an IANA name such as Europe/Berlin; or unset TZ, or pass --utc)", tz)
	}
	return loc, nil
}
