package main

import (
	"errors"
	"fmt"

	"github.com/flashstation/flashstation/jobs"

	"github.com/spf13/cobra"
)

func init() { register(newDBCmd) }

func newDBCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Maintain the attempt database",
	}
	cmd.AddCommand(newDBBackupCmd(), newDBCheckCmd())
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
		if err := refuseOverwrite("db backup", args[0], force); err != nil {
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

func newDBCheckCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Report what is damaged in the attempt database (exit 1 if anything is)",
		Long: "Walks every page of the database file as bbolt would read it (without a\n" +
			"memory map, so a damaged or short file cannot crash the check), then runs\n" +
			"bbolt's own consistency check and decodes every attempt and serial series.\n" +
			"Each problem is one line naming the page, bucket or attempt. The file is\n" +
			"opened read-only, beside other readers; never while serve holds it.",
		Args: cobra.NoArgs,
	}
	dbPath := addDBFlag(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON document")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		path, err := dbPath()
		if err != nil {
			return err
		}
		rep, err := jobs.CheckFile(path, 0)
		if err != nil {
			return failed(err)
		}
		if asJSON {
			if rep.Problems == nil {
				rep.Problems = []string{}
			}
			if err := writeJSON(cmd.OutOrStdout(), rep); err != nil {
				return err
			}
		} else {
			out := cmd.OutOrStdout()
			if rep.OK() {
				fmt.Fprintf(out, "%s: no damage found (%d pages of %d bytes)\n", path, rep.Pages, rep.PageSize)
			}
			for _, p := range rep.Problems {
				fmt.Fprintf(out, "%s: %s\n", path, p)
			}
			if rep.More > 0 {
				fmt.Fprintf(out, "%s: %d more problems not listed\n", path, rep.More)
			}
		}
		if !rep.OK() {
			return failed(errors.New("db check: " + path + " is damaged: restore a backup (made by `flashstation db backup`)"))
		}
		return nil
	}
	return cmd
}
