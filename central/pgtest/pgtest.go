// Package pgtest starts a throwaway PostgreSQL cluster for tests: initdb in
// a temporary directory, a free port on 127.0.0.1, the server run as an
// unprivileged user when the test runs as root (PostgreSQL refuses root),
// stopped by Stop. Tests share one cluster per test binary (start it in
// TestMain) and create a database each.
//
// Where no server is installed, Start returns ErrNotInstalled; Require turns
// that into a failure when FLASHSTATION_REQUIRE_POSTGRES=1 (CI sets it).
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// ErrNotInstalled: no PostgreSQL server binaries were found.
var ErrNotInstalled = errors.New("pgtest: PostgreSQL is not installed (apt-get install postgresql, or FLASHSTATION_DEPS=postgresql bash scripts/deps.sh)")

// Cluster is a running throwaway server. Its superuser is "postgres" with
// password Password.
type Cluster struct {
	Bin      string // folder of initdb, pg_ctl, postgres
	Dir      string // data directory
	Port     int
	Password string
	uid, gid int // the server's user (-1: this process's)
	proc     *exec.Cmd
	exited   chan struct{}
	seq      atomic.Int64
	logFile  string
}

// Password of the cluster's superuser.
const Password = "pgtest-secret"

// FindBin locates the newest Debian PostgreSQL server folder
// (/usr/lib/postgresql/N/bin), or a folder holding initdb on PATH.
func FindBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return majorOf(dirs[i]) > majorOf(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", ErrNotInstalled
}

func majorOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Start runs initdb in a new temporary folder and starts the server on a
// free loopback port, waiting at most a minute for it to accept.
func Start(ctx context.Context) (*Cluster, error) {
	bin, err := FindBin()
	if err != nil {
		return nil, err
	}
	base, err := os.MkdirTemp("", "flashstation-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Bin: bin, Dir: filepath.Join(base, "data"), Password: Password, uid: -1, gid: -1, logFile: filepath.Join(base, "server.log")}
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root: hand the folder to nobody.
		u, err := user.Lookup("nobody")
		if err != nil {
			return nil, fmt.Errorf("pgtest: running as root needs an unprivileged user: %w", err)
		}
		c.uid, _ = strconv.Atoi(u.Uid)
		c.gid, _ = strconv.Atoi(u.Gid)
		if err := os.Chmod(base, 0o755); err != nil {
			return nil, err
		}
		if err := os.Chown(base, c.uid, c.gid); err != nil {
			return nil, err
		}
	}
	pw := filepath.Join(base, "pwfile")
	if err := os.WriteFile(pw, []byte(Password+"\n"), 0o600); err != nil {
		return nil, err
	}
	if c.uid >= 0 {
		os.Chown(pw, c.uid, c.gid)
	}
	ictx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	out, err := c.command(ictx, "initdb", "-D", c.Dir, "-U", "postgres", "--pwfile="+pw,
		"--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("pgtest: initdb: %v\n%s", err, out)
	}
	if err := c.start(ctx, 0); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.Bin, name), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if c.uid >= 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(c.uid), Gid: uint32(c.gid)}}
	}
	cmd.Dir = filepath.Dir(c.Dir)
	return cmd
}

// start runs the postgres server in the foreground of a child process, on
// port (0: a free one), and waits until it accepts connections.
func (c *Cluster) start(ctx context.Context, port int) error {
	if port == 0 {
		p, err := freePort()
		if err != nil {
			return err
		}
		port = p
	}
	logf, err := os.OpenFile(c.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := c.command(context.Background(), "postgres", "-D", c.Dir, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "fsync=off",
		"-c", "max_connections=200", "-c", "shared_buffers=32MB")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr.Setpgid = true
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	c.proc, c.Port, c.exited = cmd, port, make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(c.exited) }()
	deadline := time.Now().Add(time.Minute)
	for {
		conn, err := net.DialTimeout("tcp", c.Addr(), time.Second)
		if err == nil {
			conn.Close()
			// Accepting TCP is not yet accepting logins (startup recovery):
			// pg_isready tells.
			if c.command(ctx, "pg_isready", "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-t", "2").Run() == nil {
				return nil
			}
		}
		select {
		case <-c.exited:
			return fmt.Errorf("pgtest: postgres exited at start:\n%s", c.Log())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pgtest: postgres did not accept connections within a minute:\n%s", c.Log())
		}
	}
}

// Log is the server's log so far.
func (c *Cluster) Log() string {
	b, _ := os.ReadFile(c.logFile)
	return string(b)
}

// Addr is HOST:PORT of the server.
func (c *Cluster) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port)) }

// URL of database db as the superuser, without the password.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@%s/%s?sslmode=disable", c.Addr(), db)
}

// NewDatabase creates a database of a fresh name and returns that name.
func (c *Cluster) NewDatabase(ctx context.Context, prefix string) (string, error) {
	name := fmt.Sprintf("%s_%d", strings.ToLower(prefix), c.seq.Add(1))
	cmd := c.command(ctx, "psql", "-h", "127.0.0.1", "-p", strconv.Itoa(c.Port), "-U", "postgres", "-d", "postgres",
		"-v", "ON_ERROR_STOP=1", "-qc", "CREATE DATABASE "+name)
	cmd.Env = append(cmd.Env, "PGPASSWORD="+c.Password)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("pgtest: create database %s: %v\n%s", name, err, out)
	}
	return name, nil
}

// Kill stops the server at once (SIGKILL on its process group: no
// shutdown checkpoint, as a crash or a pulled cable would).
func (c *Cluster) Kill() error { return c.signal(syscall.SIGKILL) }

// Stop shuts the server down fast (SIGINT) and waits at most 30 s.
func (c *Cluster) Stop() error { return c.signal(syscall.SIGINT) }

func (c *Cluster) signal(sig syscall.Signal) error {
	if c.proc == nil {
		return nil
	}
	syscall.Kill(-c.proc.Process.Pid, sig)
	select {
	case <-c.exited:
	case <-time.After(30 * time.Second):
		syscall.Kill(-c.proc.Process.Pid, syscall.SIGKILL)
		<-c.exited
	}
	c.proc = nil
	return nil
}

// Restart starts the server again on the same port after Kill or Stop.
func (c *Cluster) Restart(ctx context.Context) error {
	if c.proc != nil {
		return errors.New("pgtest: server is running")
	}
	return c.start(ctx, c.Port)
}

// Close stops the server and removes its folder.
func (c *Cluster) Close() error {
	c.Stop()
	return os.RemoveAll(filepath.Dir(c.Dir))
}

// Require says whether err from Start must fail the test binary: always,
// except a missing install without FLASHSTATION_REQUIRE_POSTGRES=1 (then
// the caller prints the reason and skips the PostgreSQL tests).
func Require(err error) (fail bool) {
	if err == nil {
		return false
	}
	return os.Getenv("FLASHSTATION_REQUIRE_POSTGRES") == "1" || !errors.Is(err, ErrNotInstalled)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
