package main

import (
	"encoding/json"
	"fmt"
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
	// --version prints what `flashstation version` prints.
	v := buildVersion()
	root.Version = v.Version
	root.SetVersionTemplate(versionLine(v) + "\n")
	for _, newCmd := range subcommands {
		root.AddCommand(newCmd())
	}
	groupsRefuseUnknown(root)
	return root
}

// groupsRefuseUnknown makes every command that only groups others
// (`units`, `image`, ...) refuse an unknown subcommand, with a
// suggestion, instead of printing its help and exiting 0.
func groupsRefuseUnknown(c *cobra.Command) {
	for _, sub := range c.Commands() {
		groupsRefuseUnknown(sub)
	}
	if c.Runnable() || !c.HasSubCommands() || c.Parent() == nil {
		return
	}
	c.Args = cobra.ArbitraryArgs
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cmd.Help()
		}
		return fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
	}
}

// writeJSON prints v as one indented JSON document.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
