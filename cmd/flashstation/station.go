package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	fixturecfg "github.com/flashstation/flashstation/fixtures"
	"github.com/flashstation/flashstation/recipes"
	"github.com/flashstation/flashstation/recipes/tomlpos"
	"github.com/flashstation/flashstation/station"
)

func init() { register(newStationCmd) }

func newStationCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "station", Short: "Work with station.toml files"}
	cmd.AddCommand(newStationCheckCmd())
	return cmd
}

// loadStation reads and validates a station.toml and every recipe it
// names, and applies the checks serve makes before it starts: `station
// check` and `serve` refuse exactly the same files. listen overrides
// http.listen, as serve's --listen does.
func loadStation(file, listen string) (*fixturecfg.Config, map[string]*recipes.Recipe, error) {
	loaded := map[string]*recipes.Recipe{}
	cfg, err := fixturecfg.Load(file, func(path string) error {
		r, err := recipes.Load(path)
		if err != nil {
			return err
		}
		loaded[path] = r
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if listen == "" {
		listen = cfg.Listen
	}
	if listen == "" {
		listen = defaultListen
	}
	if !station.LoopbackOnly(listen) && cfg.Token == "" {
		return nil, nil, tomlpos.Problems{{File: file, Field: "http.token",
			Msg: fmt.Sprintf("listening on %s is reachable from other machines: set http.token (or listen on 127.0.0.1)", listen)}}
	}
	return cfg, loaded, nil
}

// problemsOf lists err's problems (one for an error that is not a list).
func problemsOf(err error) tomlpos.Problems {
	var ps tomlpos.Problems
	if errors.As(err, &ps) {
		return ps
	}
	return tomlpos.Problems{{Msg: err.Error()}}
}

// reportProblems prints every problem of a refused station file on its
// own line and returns the one-line summary error (exit 2).
func reportProblems(w io.Writer, file string, err error) error {
	ps := problemsOf(err)
	for _, p := range ps {
		fmt.Fprintln(w, p.Error())
	}
	return badInput(fmt.Errorf("%s: %d %s", file, len(ps), plural(len(ps), "problem", "problems")))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

type stationReport struct {
	File     string          `json:"file"`
	OK       bool            `json:"ok"`
	Station  string          `json:"station,omitempty"`
	Slots    int             `json:"slots"`
	Mode     string          `json:"mode,omitempty"`
	Recipes  []string        `json:"recipes,omitempty"`
	Problems []problemReport `json:"problems"`
}

func newStationCheckCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check FILE...",
		Short: "Validate station.toml files and their recipes: every problem, one per line with file:line:col",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var reports []stationReport
			bad := 0
			for _, file := range args {
				rep := stationReport{File: file, Problems: []problemReport{}}
				cfg, loaded, err := loadStation(file, "")
				if err != nil {
					bad++
					for _, p := range problemsOf(err) {
						rep.Problems = append(rep.Problems, problemReport{File: p.File, Line: p.Line, Col: p.Col, Field: p.Field, Message: p.Msg})
						if !asJSON {
							fmt.Fprintln(cmd.ErrOrStderr(), p.Error())
						}
					}
				} else {
					rep.OK, rep.Station, rep.Slots, rep.Mode = true, cfg.Station, len(cfg.Slots), string(cfg.Mode)
					for path := range loaded {
						rep.Recipes = append(rep.Recipes, path)
					}
					if !asJSON {
						fmt.Fprintf(cmd.OutOrStdout(), "ok   %s: station %s, %d slots, %s mode, %d %s\n", file, cfg.Station,
							len(cfg.Slots), cfg.Mode, len(loaded), plural(len(loaded), "recipe", "recipes"))
					}
				}
				reports = append(reports, rep)
			}
			if asJSON {
				if err := writeJSON(cmd.OutOrStdout(), reports); err != nil {
					return err
				}
			}
			if bad > 0 {
				return badInput(fmt.Errorf("%d of %d station files have problems", bad, len(args)))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
