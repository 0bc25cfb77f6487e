package jobs

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A read-only open of a crashed writer's file on read-only media cannot
// recover it (EROFS, not a permission error) and shows it as it stands.
func TestReadOnlyOpenOnReadOnlyMedia(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64m"); err != nil {
		t.Skipf("needs root to mount a tmpfs: %v", err)
	}
	defer syscall.Unmount(dir, syscall.MNT_DETACH)
	path := filepath.Join(dir, "a.db")
	s := openTest(t, path, neverApply())
	a := begin(t, s)
	if err := s.flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	crashClose(t, s) // a is left running
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, Options{ReadOnly: true, Logger: quiet})
	if err != nil {
		t.Fatalf("read-only open on read-only media: %v", err)
	}
	defer r.Close()
	if got, err := r.Get(context.Background(), a.ID); err != nil || got.Result != Running {
		t.Fatalf("Get = %+v, %v; want the attempt as it stands (running)", got, err)
	}
	// A backup would look complete without the journal's records: refused.
	var buf bytes.Buffer
	if _, err := r.Backup(context.Background(), &buf); err == nil || !strings.Contains(err.Error(), "cannot recover") {
		t.Errorf("backup of an unrecovered file: %v, want a refusal", err)
	}
}
