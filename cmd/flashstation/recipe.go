package main

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/flashstation/flashstation/recipes"
)

func init() { register(newRecipeCmd) }

func newRecipeCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "recipe", Short: "Work with recipes"}
	cmd.AddCommand(newRecipeCheckCmd())
	return cmd
}

type recipeReport struct {
	File     string          `json:"file"`
	OK       bool            `json:"ok"`
	Name     string          `json:"name,omitempty"`
	Target   string          `json:"target,omitempty"`
	Firmware string          `json:"firmware_sha256,omitempty"`
	Images   []imageReport   `json:"images,omitempty"`
	Steps    []string        `json:"steps,omitempty"`
	Problems []problemReport `json:"problems"`
}

// imageReport is one [[image]] entry of a multi-image recipe.
type imageReport struct {
	Name     string   `json:"name"`
	SHA256   string   `json:"sha256"`
	Segments []string `json:"segments"` // "0x08000000+0x5000"
}

type problemReport struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func newRecipeCheckCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check FILE...",
		Short: "Validate recipes: every problem of every file, with file:line:col",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var reports []recipeReport
			bad := 0
			for _, file := range args {
				rep := checkRecipe(file)
				if !rep.OK {
					bad++
				}
				reports = append(reports, rep)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				if err := writeJSON(out, reports); err != nil {
					return err
				}
			} else {
				for _, rep := range reports {
					if rep.OK {
						fmt.Fprintf(out, "ok   %s: %s for %s, %d steps\n", rep.File, rep.Name, rep.Target, len(rep.Steps))
						continue
					}
					for _, p := range rep.Problems {
						fmt.Fprintln(cmd.ErrOrStderr(), problemLine(p))
					}
				}
			}
			if bad > 0 {
				return badInput(fmt.Errorf("%d of %d recipes have problems", bad, len(args)))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func problemLine(p problemReport) string {
	return (&recipes.Problem{File: p.File, Line: p.Line, Col: p.Col, Field: p.Field, Msg: p.Message}).Error()
}

func checkRecipe(file string) recipeReport {
	rep := recipeReport{File: file, Problems: []problemReport{}}
	r, err := recipes.Load(file)
	if err != nil {
		var ps recipes.Problems
		if !errors.As(err, &ps) {
			ps = recipes.Problems{{File: file, Msg: err.Error()}}
		}
		for _, p := range ps {
			rep.Problems = append(rep.Problems, problemReport{File: p.File, Line: p.Line, Col: p.Col, Field: p.Field, Message: p.Msg})
		}
		return rep
	}
	rep.OK = true
	rep.Name = r.Name
	rep.Target = r.Target.Facts.Part
	rep.Firmware, _ = r.ImageSums()
	if r.MultiImage() {
		rep.Firmware = ""
		for _, f := range r.Images {
			ir := imageReport{Name: f.Name, SHA256: hex.EncodeToString(f.SHA256[:]), Segments: []string{}}
			for _, s := range f.Image.Segments {
				ir.Segments = append(ir.Segments, fmt.Sprintf("0x%08X+0x%X", s.Address, len(s.Data)))
			}
			rep.Images = append(rep.Images, ir)
		}
	}
	for _, s := range r.Steps {
		rep.Steps = append(rep.Steps, string(s.Action))
	}
	return rep
}
