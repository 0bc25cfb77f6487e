package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the whole database to w from one read
// transaction (bbolt Tx.WriteTo), while writers in this process go on. It
// returns the bytes written. ctx is checked between writes.
func (s *Store) Backup(ctx context.Context, w io.Writer) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("jobs: %w", err)
	}
	if s.unrecovered != nil {
		// The journal's last records are not in the file: a copy that
		// looks complete would not be.
		return 0, fmt.Errorf("jobs: backup %s: the last writer stopped without closing it and this process cannot recover it (%v); run the backup as a user who may write the file, or start the station once first", s.path, s.unrecovered)
	}
	if err := s.flush(ctx); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(ctxWriter{ctx, w})
		return err
	})
	if err != nil {
		return n, fmt.Errorf("jobs: backup %s: %w", s.path, err)
	}
	return n, nil
}

// BackupFile writes a backup to path through a temporary file in the same
// directory, synced and renamed into place, so path is either the old file
// or a complete new backup. It refuses to overwrite an existing file unless
// overwrite is set, and refuses the database file itself.
func (s *Store) BackupFile(ctx context.Context, path string, overwrite bool) (int64, error) {
	if same, err := samePath(s.path, path); err != nil {
		return 0, err
	} else if same {
		return 0, fmt.Errorf("jobs: backup %s: that is the database itself", path)
	}
	if _, err := os.Stat(path); err == nil && !overwrite {
		return 0, fmt.Errorf("jobs: backup %s: file exists (choose another name or overwrite it)", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".flashstation-backup-*")
	if err != nil {
		return 0, fmt.Errorf("jobs: backup %s: %w", path, err)
	}
	n, err := s.Backup(ctx, tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return 0, fmt.Errorf("jobs: backup %s: %w", path, err)
	}
	return n, nil
}

func samePath(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, fmt.Errorf("jobs: %w", err)
	}
	sb, err := os.Stat(b)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("jobs: backup %s: %w", b, err)
	}
	return os.SameFile(sa, sb), nil
}

type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}
