package central

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	migratepgx "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// MinServerMajor is the oldest PostgreSQL major the schema and queries are
// tested against in spirit (Debian 12 ships 15; 13 is the oldest upstream
// still supported when this was written).
const MinServerMajor = 13

// Config is the [central] section of station.toml, validated.
type Config struct {
	// URL is postgres://USER@HOST:PORT/DB; a password in it is refused by
	// fixtures (it would end up in logs and backups of the file).
	URL string
	// PasswordFile or PasswordEnv names where the password is; both empty
	// means none (trust, or a client certificate).
	PasswordFile string
	PasswordEnv  string
	// SSLMode: disable, allow, prefer, require, verify-ca, verify-full
	// ("" leaves the URL's or pgx's default, prefer).
	SSLMode     string
	SSLRootCert string
	SSLCert     string
	SSLKey      string
	// Station is this station's name, recorded with every row.
	Station string
	// BatchSize is attempts per transaction (default 200).
	BatchSize int
	// BlockSize is serial numbers per lease (default 100); Refill is how
	// few left makes the leaser ask for the next block (default half).
	BlockSize int
	Refill    int
}

// Client is a lazily connected pool. Connect checks the server and the
// schema once per (re)connection; a failure is returned and retried by
// the caller. Safe for concurrent use; must be closed.
type Client struct {
	cfg  Config
	log  *slog.Logger
	host string // HOST:PORT/DB for messages

	mu   sync.Mutex
	pool *pgxpool.Pool
}

// New checks cfg without touching the network.
func New(cfg Config, log *slog.Logger) (*Client, error) {
	if log == nil {
		log = slog.Default()
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 200
	}
	if cfg.BlockSize <= 0 {
		cfg.BlockSize = 100
	}
	if cfg.Refill <= 0 || cfg.Refill >= cfg.BlockSize {
		cfg.Refill = cfg.BlockSize / 2
	}
	host, err := CheckURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Station == "" {
		return nil, errors.New("central: no station name")
	}
	return &Client{cfg: cfg, log: log, host: host}, nil
}

// CheckURL accepts postgres:// and postgresql:// URLs without a password
// and returns HOST:PORT/DB for messages.
func CheckURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("central: URL is not a URL: %v", errors.Unwrap(err))
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return "", fmt.Errorf("central: URL %q must start with postgres:// (e.g. postgres://flashstation@db.factory:5432/flashstation)", u.Redacted())
	}
	if _, ok := u.User.Password(); ok {
		return "", errors.New("central: URL holds a password: put it in password_file or password_env instead")
	}
	if u.Host == "" {
		return "", fmt.Errorf("central: URL %q names no host", u.Redacted())
	}
	return u.Host + u.Path, nil
}

// Config is the configuration with defaults filled in.
func (c *Client) Config() Config { return c.cfg }

// Where is HOST:PORT/DB, for messages and the page.
func (c *Client) Where() string { return c.host }

func (c *Client) password() (string, error) {
	switch {
	case c.cfg.PasswordFile != "":
		b, err := os.ReadFile(c.cfg.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("central: password_file: %v", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	case c.cfg.PasswordEnv != "":
		v, ok := os.LookupEnv(c.cfg.PasswordEnv)
		if !ok {
			return "", fmt.Errorf("central: password_env %s is not set in the station's environment", c.cfg.PasswordEnv)
		}
		return v, nil
	}
	return "", nil
}

func (c *Client) poolConfig() (*pgxpool.Config, error) {
	u, _ := url.Parse(c.cfg.URL)
	q := u.Query()
	for k, v := range map[string]string{"sslmode": c.cfg.SSLMode, "sslrootcert": c.cfg.SSLRootCert, "sslcert": c.cfg.SSLCert, "sslkey": c.cfg.SSLKey} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if !q.Has("connect_timeout") {
		q.Set("connect_timeout", "5")
	}
	if !q.Has("application_name") {
		q.Set("application_name", "flashstation "+c.cfg.Station)
	}
	u.RawQuery = q.Encode()
	pc, err := pgxpool.ParseConfig(u.String())
	if err != nil {
		return nil, fmt.Errorf("central: URL %s: %v", c.host, unwrapAll(err))
	}
	pw, err := c.password()
	if err != nil {
		return nil, err
	}
	if pw != "" {
		pc.ConnConfig.Password = pw
	}
	pc.MaxConns = 4
	pc.ConnConfig.Tracer = nil
	return pc, nil
}

// Pool connects when not connected: checks the server's version and brings
// the schema to this binary's version. Every error is one line that says
// what is wrong and where.
func (c *Client) Pool(ctx context.Context) (*pgxpool.Pool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pool != nil {
		return c.pool, nil
	}
	pc, err := c.poolConfig()
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, c.explain(err)
	}
	if err := c.checkServer(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	if err := c.migrate(pool); err != nil {
		pool.Close()
		return nil, err
	}
	c.pool = pool
	return pool, nil
}

// Reset drops the pool after a connection-level failure, so the next Pool
// connects and checks again (the server may have been replaced).
func (c *Client) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pool != nil {
		c.pool.Close()
		c.pool = nil
	}
}

// Close closes the pool.
func (c *Client) Close() { c.Reset() }

// checkServer refuses a server older than MinServerMajor. The version is
// the server_version parameter the server reports at startup (PostgreSQL
// protocol §55.2.7 ParameterStatus), read before any query runs.
func (c *Client) checkServer(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return c.explain(err)
	}
	defer conn.Release()
	v := conn.Conn().PgConn().ParameterStatus("server_version")
	major, err := serverMajor(v)
	if err != nil {
		return fmt.Errorf("central: %s: %v", c.host, err)
	}
	if major < MinServerMajor {
		return fmt.Errorf("central: PostgreSQL at %s is version %s; flashstation needs %d or newer", c.host, v, MinServerMajor)
	}
	return nil
}

// serverMajor reads "15.14 (Debian 15.14-0+deb12u1)", "9.6.24" or "17beta1".
func serverMajor(v string) (int, error) {
	s := strings.TrimSpace(v)
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(s[:end])
	if err != nil || end == 0 {
		return 0, fmt.Errorf("server reports version %q, which is not a PostgreSQL version", v)
	}
	return n, nil
}

// SchemaVersion is the newest migration embedded in this binary.
func SchemaVersion() uint {
	src, err := iofs.New(migrationFS, "migrations")
	if err != nil {
		panic(err) // embedded files: a build fault
	}
	defer src.Close()
	v, err := src.First()
	for err == nil {
		next, nerr := src.Next(v)
		if nerr != nil {
			break
		}
		v = next
	}
	return v
}

// migrate brings the schema to SchemaVersion. It refuses a schema newer
// than this binary (another station was upgraded first: this one must be
// upgraded too, not roll the schema back) and a half-applied one.
// golang-migrate takes an advisory lock, so stations starting together
// migrate one at a time.
func (c *Client) migrate(pool *pgxpool.Pool) error {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	if err := c.migrateDB(db); err != nil {
		return err
	}
	return nil
}

func (c *Client) migrateDB(db *sql.DB) error {
	drv, err := migratepgx.WithInstance(db, &migratepgx.Config{})
	if err != nil {
		return fmt.Errorf("central: %s: prepare the schema: %v", c.host, c.short(err))
	}
	src, err := iofs.New(migrationFS, "migrations")
	if err != nil {
		return fmt.Errorf("central: embedded migrations: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", drv)
	if err != nil {
		src.Close()
		drv.Close()
		return fmt.Errorf("central: %s: prepare the schema: %v", c.host, c.short(err))
	}
	// The driver holds one pooled connection (its advisory lock runs on
	// it) until closed: without this, pgxpool.Close waits for it forever.
	defer m.Close()
	// Stations starting together take turns on golang-migrate's advisory
	// lock; one stuck longer than this is reported, not waited on.
	m.LockTimeout = 30 * time.Second
	have, dirty, err := drv.Version()
	if err != nil {
		return fmt.Errorf("central: %s: read the schema version: %v", c.host, c.short(err))
	}
	want := SchemaVersion()
	if have != database.NilVersion && uint(have) > want {
		return fmt.Errorf("central: the schema at %s is version %d, newer than this flashstation knows (%d): upgrade flashstation on this station", c.host, have, want)
	}
	if dirty {
		return fmt.Errorf("central: the schema at %s is stuck half-way in migration %d (dirty): fix it by hand, then `migrate force`", c.host, have)
	}
	if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("central: %s: migrate the schema to version %d: %v", c.host, want, c.short(err))
	}
	if have == database.NilVersion || uint(have) < want {
		c.log.Info("central: schema migrated", "db", c.host, "from", have, "to", want)
	}
	return nil
}

// explain turns a connection error into the line an engineer acts on.
func (c *Client) explain(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "28P01", "28000":
			return fmt.Errorf("central: PostgreSQL at %s refused the login (%s): check the user in url and the password in password_file / password_env", c.host, pe.Message)
		case "57P01", "57P02", "57P03":
			// admin_shutdown, crash_shutdown, cannot_connect_now (Appendix A)
			return fmt.Errorf("central: PostgreSQL at %s went away or is starting: %s", c.host, pe.Message)
		case "3D000":
			return fmt.Errorf("central: %s: %s (create it, or fix the database name in url)", c.host, pe.Message)
		}
		return fmt.Errorf("central: %s: %s (SQLSTATE %s)", c.host, pe.Message, pe.Code)
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		// "connect: connection refused", "lookup db.factory: no such host"
		return fmt.Errorf("central: cannot reach PostgreSQL at %s: %v", c.host, oe.Err)
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("central: cannot reach PostgreSQL at %s: %v", c.host, unwrapAll(err))
	}
	return fmt.Errorf("central: %s: %v", c.host, c.short(err))
}

// short is the innermost error's text, without pgx's connection-string
// preamble ("failed to connect to `user=… database=…`:").
func (c *Client) short(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Message + " (SQLSTATE " + pe.Code + ")"
	}
	return unwrapAll(err).Error()
}

func unwrapAll(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// backoff doubles from 1 s to max, for loops waiting on the server.
func backoff(prev, max time.Duration) time.Duration {
	if prev <= 0 {
		return time.Second
	}
	if prev *= 2; prev > max {
		return max
	}
	return prev
}

// connectionLost says whether err may have left the pool's connections
// dead (so the next round connects and checks the server again), rather
// than being an answer about the data.
func connectionLost(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return true
	}
	switch pe.Code[:2] {
	case "08", "57", "53": // connection exception, operator intervention, resources
		return true
	}
	return false
}
