package main

import (
	"encoding/json"
	"io"

	"github.com/spf13/cobra"
)

// subcommands is filled by each command's file in init, so that commands can
// be added without editing one shared list.
var subcommands []func() *cobra.Command

func register(newCmd func() *cobra.Command) { subcommands = append(subcommands, newCmd) }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "flashstation",
		Short:         "Flash boards through many debug probes at once, and record every attempt",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return badInput(err) })
	for _, newCmd := range subcommands {
		root.AddCommand(newCmd())
	}
	return root
}

// writeJSON prints v as one indented JSON document.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
