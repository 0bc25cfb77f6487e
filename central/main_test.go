package central

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/flashstation/flashstation/central/pgtest"
)

// cluster is the one throwaway server this test binary shares; nil when
// PostgreSQL is not installed and not required (the tests then skip).
var cluster *pgtest.Cluster

var skipReason string

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	c, err := pgtest.Start(ctx)
	cancel()
	if pgtest.Require(err) {
		fmt.Fprintln(os.Stderr, "central tests:", err)
		os.Exit(1)
	}
	if err != nil {
		skipReason = err.Error() + "; FLASHSTATION_REQUIRE_POSTGRES=1 makes this a failure"
		fmt.Fprintln(os.Stderr, "central tests: SKIPPING the PostgreSQL tests:", skipReason)
	}
	cluster = c
	code := m.Run()
	if c != nil {
		c.Close()
	}
	os.Exit(code)
}

// needPG returns the shared cluster or skips the test.
func needPG(t testing.TB) *pgtest.Cluster {
	t.Helper()
	if cluster == nil {
		t.Skip(skipReason)
	}
	return cluster
}

// testConfig is a Config for a fresh database, the password in a file.
func testConfig(t testing.TB, station string) Config {
	t.Helper()
	c := needPG(t)
	db, err := c.NewDatabase(context.Background(), "t")
	if err != nil {
		t.Fatal(err)
	}
	return configFor(t, c.URL(db), station)
}

func configFor(t testing.TB, url, station string) Config {
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte(pgtest.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return Config{URL: url, PasswordFile: pw, Station: station}
}

func newClient(t testing.TB, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
