package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func init() { register(newDBCmd) }

func newDBCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Maintain the attempt database",
	}
	cmd.AddCommand(newDBBackupCmd())
	return cmd
}

type backupReport struct {
	DB     string `json:"db"`
	Backup string `json:"backup"`
	Bytes  int64  `json:"bytes"`
}

func newDBBackupCmd() *cobra.Command {
	var asJSON, force bool
	cmd := &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of the attempt database to FILE",
		Long: "Writes a consistent copy from one read transaction. The database is opened\n" +
			"read-only, so backups run beside other readers; while `flashstation serve`\n" +
			"holds the file for writing, bbolt's lock keeps every other process out.",
		Args: cobra.ExactArgs(1),
	}
	dbPath := addDBFlag(cmd)
	cmd.Flags().BoolVar(&force, "force", false, "overwrite FILE if it exists")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON document")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		path, err := dbPath()
		if err != nil {
			return err
		}
		s, err := openReader(path)
		if err != nil {
			return err
		}
		defer s.Close()
		n, err := s.BackupFile(cmd.Context(), args[0], force)
		if err != nil {
			return failed(err)
		}
		r := backupReport{DB: path, Backup: args[0], Bytes: n}
		if asJSON {
			return writeJSON(cmd.OutOrStdout(), r)
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "backed up %s to %s (%d bytes)\n", path, args[0], n)
		return err
	}
	return cmd
}
