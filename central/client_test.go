package central

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

func TestMigrateAndReconnect(t *testing.T) {
	cfg := testConfig(t, "s1")
	c := newClient(t, cfg)
	ctx := testCtx(t)
	pool, err := c.Pool(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var v int
	if err := pool.QueryRow(ctx, "SELECT version FROM schema_migrations").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if uint(v) != SchemaVersion() {
		t.Fatalf("schema version %d, want %d", v, SchemaVersion())
	}
	// A second client (another station) finds the schema current.
	c2 := newClient(t, cfg)
	if _, err := c2.Pool(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestBadCentral: each misconfiguration gives one line naming what is
// wrong and where, and never the password.
func TestBadCentral(t *testing.T) {
	pg := needPG(t)
	ctx := testCtx(t)
	good := testConfig(t, "s1")

	// A port nothing listens on.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := l.Addr().String()
	l.Close()

	wrongPW := good
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte("not-the-password\n"), 0o600)
	wrongPW.PasswordFile = pwFile

	newer := testConfig(t, "s1")
	nc := newClient(t, newer)
	pool, err := nc.Pool(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "UPDATE schema_migrations SET version = 99"); err != nil {
		t.Fatal(err)
	}
	nc.Close()

	stub := startStub(t, "9.6.24")

	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"unreachable", configFor(t, "postgres://postgres@"+deadAddr+"/x?sslmode=disable", "s1"), "cannot reach PostgreSQL at " + deadAddr},
		{"wrong password", wrongPW, "refused the login"},
		{"no such database", configFor(t, pg.URL("nosuchdb"), "s1"), `database "nosuchdb" does not exist`},
		{"old server", configFor(t, "postgres://postgres@"+stub+"/x?sslmode=disable", "s1"), "is version 9.6.24; flashstation needs 13 or newer"},
		{"schema newer", newer, "is version 99, newer than this flashstation knows (1): upgrade flashstation"},
		{"password env unset", Config{URL: good.URL, PasswordEnv: "FLASHSTATION_TEST_UNSET_PW", Station: "s1"}, "password_env FLASHSTATION_TEST_UNSET_PW is not set"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, tc.cfg)
			_, err := c.Pool(ctx)
			if err == nil {
				t.Fatal("connected")
			}
			msg := err.Error()
			t.Log(msg)
			if !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") || strings.Contains(msg, "pgtest-secret") || strings.Contains(msg, "not-the-password") {
				t.Fatalf("error %q, want one line containing %q and no password", msg, tc.want)
			}
		})
	}
}

func TestNewRefusesBadURL(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"mysql://db/x", "must start with postgres://"},
		{"postgres://u:hunter2@db/x", "holds a password"},
		{"postgres:///x", "names no host"},
		{"postgres://db/%zz", "not a URL"},
	} {
		_, err := New(Config{URL: tc.url, Station: "s"}, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("New(%q) = %v, want %q", tc.url, err, tc.want)
		}
	}
}

func TestServerMajor(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want int
		ok   bool
	}{{"15.14 (Debian 15.14-0+deb12u1)", 15, true}, {"9.6.24", 9, true}, {"17beta1", 17, true}, {"", 0, false}, {"x15", 0, false}} {
		n, err := serverMajor(tc.v)
		if (err == nil) != tc.ok || n != tc.want {
			t.Errorf("serverMajor(%q) = %d, %v", tc.v, n, err)
		}
	}
}

// startStub is a listener that speaks just enough of the PostgreSQL
// protocol to complete a startup as a server of the given version: it
// declines TLS, accepts any login (AuthenticationOk), reports
// server_version in a ParameterStatus and waits (PostgreSQL protocol
// §55.2.1 start-up flow). A real old server cannot be had here; the
// version check reads only that parameter, so this is what it sees.
func startStub(t *testing.T, version string) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				be := pgproto3.NewBackend(conn, conn)
				for {
					msg, err := be.ReceiveStartupMessage()
					if err != nil {
						return
					}
					if _, ok := msg.(*pgproto3.SSLRequest); ok {
						conn.Write([]byte{'N'})
						continue
					}
					break
				}
				be.Send(&pgproto3.AuthenticationOk{})
				be.Send(&pgproto3.ParameterStatus{Name: "server_version", Value: version})
				be.Send(&pgproto3.BackendKeyData{ProcessID: 1, SecretKey: []byte{0, 0, 0, 1}})
				be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
				if be.Flush() != nil {
					return
				}
				// Anything but Terminate is left unanswered (the check
				// runs no query); Terminate closes, as a server does.
				for {
					msg, err := be.Receive()
					if err != nil {
						return
					}
					if _, ok := msg.(*pgproto3.Terminate); ok {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}
