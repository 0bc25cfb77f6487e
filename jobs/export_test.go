package jobs

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestExportJSONLines(t *testing.T) {
	s, all := fixture(t)
	var buf bytes.Buffer
	n, err := s.Export(context.Background(), &buf, JSONLines, Filter{UID: "aa01"})
	if err != nil || n != 3 {
		t.Fatalf("Export = %d, %v", n, err)
	}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	var got []Attempt
	for sc.Scan() {
		var a Attempt
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("line %d: %v", len(got)+1, err)
		}
		got = append(got, a)
	}
	if len(got) != 3 || got[1].ID != all[2].ID || len(got[1].Steps) != 8 || len(got[1].Steps[0].Log) != 3 {
		t.Fatalf("exported %+v", got)
	}
}

func TestExportCSV(t *testing.T) {
	s, all := fixture(t)
	var buf bytes.Buffer
	n, err := s.Export(context.Background(), &buf, CSV, Filter{Results: []Result{Fail}})
	if err != nil || n != 1 {
		t.Fatalf("Export = %d, %v", n, err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || strings.Join(rows[0], ",") != strings.Join(CSVHeader, ",") {
		t.Fatalf("rows %q", rows)
	}
	row := map[string]string{}
	for i, h := range CSVHeader {
		row[h] = rows[1][i]
	}
	want := map[string]string{"id": all[1].ID.String(), "result": "fail", "unit_uid": "bb02",
		"failed_step": "verify", "duration_ms": "3000"}
	for k, v := range want {
		if row[k] != v {
			t.Errorf("column %s = %q, want %q", k, row[k], v)
		}
	}
	if !strings.HasPrefix(row["steps"], "connect:pass:50ms; unlock:pass:180ms;") {
		t.Errorf("steps summary %q", row["steps"])
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestExportErrors(t *testing.T) {
	s, _ := fixture(t)
	if _, err := s.Export(context.Background(), failWriter{}, CSV, Filter{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("write error: %v", err)
	}
	if _, err := s.Export(context.Background(), &bytes.Buffer{}, "xml", Filter{}); err == nil {
		t.Error("unknown format accepted")
	}
}

// TestBackupWhileWriting takes a backup while four workers record attempts
// and checks the copy opens and holds at least what was there before.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	s, all := fixture(t)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				a := realisticAttempt(i, fmt.Sprintf("%04x", w))
				a.Started = a.Started.AddDate(1, 0, 0)
				if !recordFrom(t, s, a, Pass) {
					return
				}
			}
		}()
	}
	dst := filepath.Join(t.TempDir(), "backup.db")
	n, err := s.BackupFile(ctx, dst, false)
	close(stop)
	wg.Wait()
	if err != nil || n == 0 {
		t.Fatalf("BackupFile = %d, %v", n, err)
	}
	if _, err := s.BackupFile(ctx, dst, false); err == nil || !strings.Contains(err.Error(), "file exists") {
		t.Errorf("backup over an existing file: %v", err)
	}
	if _, err := s.BackupFile(ctx, s.Path(), true); err == nil || !strings.Contains(err.Error(), "database itself") {
		t.Errorf("backup onto the database: %v", err)
	}
	b := openTest(t, dst, Options{ReadOnly: true})
	got, err := b.ByUnit(ctx, "aa01")
	if err != nil || len(got) != 3 || got[0].ID != all[0].ID {
		t.Fatalf("backup ByUnit = %d attempts, %v", len(got), err)
	}
}

func TestWriteUnitAndTable(t *testing.T) {
	s, _ := fixture(t)
	got, err := s.ByUnit(context.Background(), "bb02")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteUnit(&buf, "bb02", got, time.UTC); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"unit bb02: 3 attempts (1 fail, 1 error, 1 aborted)", "FAIL", "failed step verify",
		"  mass-erase   pass", "      08:01:00.230 INFO  mass-erase: sector 0 done at 0x08000000"} {
		if !strings.Contains(out, want) {
			t.Errorf("unit report lacks %q:\n%s", want, out)
		}
	}
	buf.Reset()
	if err := WriteTable(&buf, got, time.UTC); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(buf.String(), "\n"); lines != 4 || !strings.HasPrefix(buf.String(), "ID ") {
		t.Errorf("table:\n%s", buf.String())
	}
}

// TestGroupSurvivesFailingWrite checks that one failing or panicking write
// in a shared commit fails alone and the others commit.
func TestGroupSurvivesFailingWrite(t *testing.T) {
	s := newStore(t)
	var wg sync.WaitGroup
	errs := make([]error, 12)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.group.update(func(tx *bolt.Tx) error {
				switch i {
				case 3:
					return errors.New("refused")
				case 7:
					panic("boom")
				}
				return tx.Bucket(bucketMeta).Put([]byte(fmt.Sprint("k", i)), present)
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		want := i == 3 || i == 7
		if (err != nil) != want {
			t.Errorf("write %d: err %v", i, err)
		}
	}
	if err := s.db.View(func(tx *bolt.Tx) error {
		for i := range errs {
			if got := tx.Bucket(bucketMeta).Get([]byte(fmt.Sprint("k", i))) != nil; got != (i != 3 && i != 7) {
				t.Errorf("key %d stored %v", i, got)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
