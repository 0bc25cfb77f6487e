package openocd

import (
	"context"
	"errors"
	"fmt"
	"github.com/flashstation/flashstation/drivers"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/facts"
)

// Session is one OpenOCD process driving one board. It must be closed.
type Session struct {
	cfg     Config
	fam     family
	variant *facts.Variant
	log     *slog.Logger
	version Version
	dir     string // temp files for images

	mu     sync.Mutex // one operation at a time, as OpenOCD runs them
	proc   *process
	tcl    *tclConn
	seq    uint64
	dead   error // set once OpenOCD was killed or died
	halted bool  // the core is halted since our last reset halt
}

var _ targets.Session = (*Session)(nil)

// Start checks OpenOCD's version, starts it on a free loopback Tcl port
// (GDB and telnet off), and waits until it answers. It fails with
// OpenOCD's own message when init fails (no probe, no target).
func Start(ctx context.Context, cfg Config) (*Session, error) {
	if cfg.Variant == nil {
		return nil, errors.New("openocd: Config.Variant is required")
	}
	fam, ok := families[cfg.Variant.Family]
	if !ok {
		return nil, fmt.Errorf("openocd: no OpenOCD support for family %q", cfg.Variant.Family)
	}
	if cfg.Binary == "" {
		cfg.Binary = "openocd"
	}
	if cfg.TargetCfg == "" {
		cfg.TargetCfg = fam.cfg
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 15 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	ver, err := CheckVersion(ctx, cfg.Binary)
	if err != nil {
		// OpenOCD missing or too old: the station's set-up, not the board.
		return nil, drivers.StationFault(err)
	}
	dir, err := os.MkdirTemp("", "flashstation-openocd-")
	if err != nil {
		return nil, fmt.Errorf("openocd: temp dir: %w", err)
	}
	s := &Session{cfg: cfg, fam: fam, variant: cfg.Variant, log: cfg.Log, version: ver, dir: dir}
	// A port picked free can be taken before OpenOCD binds it; a new one
	// is tried then.
	for try := 1; ; try++ {
		err = s.launch(ctx)
		if err == nil {
			return s, nil
		}
		if try == 3 || !strings.Contains(err.Error(), "bind") || ctx.Err() != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
}

func (s *Session) launch(ctx context.Context) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	args := []string{"-c", "bindto 127.0.0.1", "-c", "gdb_port disabled", "-c", "telnet_port disabled",
		"-c", fmt.Sprintf("tcl_port %d", port)}
	for _, a := range s.cfg.AdapterArgs {
		args = append(args, "-c", a)
	}
	for _, a := range families[s.variant.Family].pre {
		args = append(args, "-c", a)
	}
	args = append(args, "-f", s.cfg.TargetCfg)
	for _, a := range s.cfg.PostTarget {
		args = append(args, "-c", a)
	}
	args = append(args, "-c", "init")
	p, err := startProcess(s.cfg.Binary, args, func(line string) {
		lvl, msg := parseLogLine(line)
		s.log.Log(context.Background(), min(lvl, slog.LevelInfo)-4, "openocd: "+msg, "variant", s.variant.Name)
	})
	if err != nil {
		return drivers.StationFault(err)
	}
	sctx, cancel := context.WithTimeout(ctx, s.cfg.StartTimeout)
	defer cancel()
	c, err := p.dialWhenUp(sctx, fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		if errors.Is(err, errExited) {
			p.waitExit(time.Second)
			tail := p.errorTail()
			return startFailure(fmt.Sprintf("openocd: could not start (%s): %s", s.cfg.TargetCfg, tail), tail)
		}
		p.kill()
		if ctx.Err() != nil {
			return fmt.Errorf("openocd: start: %w", ctx.Err())
		}
		tail := p.errorTail()
		return startFailure(fmt.Sprintf("openocd: no answer on Tcl port %d within %s: %s", port, s.cfg.StartTimeout, tail), tail)
	}
	s.proc, s.tcl = p, c
	return nil
}

// CheckVersion runs `openocd --version` and refuses releases older than
// MinVersion with a message that says what to install.
func CheckVersion(ctx context.Context, binary string) (Version, error) {
	out, err := exec.CommandContext(ctx, binary, "--version").CombinedOutput()
	if err != nil {
		var ee *exec.Error
		if errors.As(err, &ee) {
			return Version{}, fmt.Errorf("openocd: %s not found: install OpenOCD %s or newer (Debian: apt-get install openocd): %w", binary, MinVersion, err)
		}
		return Version{}, fmt.Errorf("openocd: %s --version failed: %w: %s", binary, err, firstLine(string(out)))
	}
	v, err := parseVersion(string(out))
	if err != nil {
		return Version{}, err
	}
	if v.Less(MinVersion) {
		return v, fmt.Errorf("openocd: %s is OpenOCD %s; flashstation needs %s or newer (Debian 12: apt-get install openocd)", binary, v, MinVersion)
	}
	return v, nil
}

// Version is the running OpenOCD's release.
func (s *Session) Version() Version { return s.version }

// exec runs one Tcl command and returns its result. OpenOCD's log lines
// from the command go to the step log; a failure carries OpenOCD's error
// lines. If ctx ends first, OpenOCD is killed (it cannot be interrupted in
// the middle of a flash operation) and the session is dead.
func (s *Session) exec(ctx context.Context, cmd string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead != nil {
		return "", s.dead
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.seq++
	seq := s.seq
	var emu sync.Mutex
	var errs []string
	s.proc.setSink(func(line string) {
		lvl, msg := parseLogLine(line)
		if lvl == slog.LevelError {
			emu.Lock()
			errs = append(errs, msg)
			emu.Unlock()
		}
		if lvl > slog.LevelDebug {
			targets.Logf(ctx, lvl, "openocd: %s", msg)
		}
	})
	defer s.proc.setSink(nil)
	wrapped := fmt.Sprintf("set _fs_rc [catch {%s} _fs_out]; echo {%s%d}; set _fs_ret \"$_fs_rc $_fs_out\"", cmd, markerPrefix, seq)
	reply, err := s.tcl.call(ctx, wrapped)
	if err != nil {
		s.killLocked(err)
		if ctx.Err() != nil {
			return "", fmt.Errorf("openocd: %s: %w (OpenOCD was stopped)", cmd, ctx.Err())
		}
		return "", fmt.Errorf("openocd: %s: %w", cmd, err)
	}
	s.awaitFence(seq)
	rc, out, _ := strings.Cut(reply, " ")
	out = strings.TrimSpace(out)
	if rc == "0" {
		return out, nil
	}
	emu.Lock()
	msg := strings.Join(errs, "; ")
	emu.Unlock()
	switch {
	case msg == "":
		msg = out
	case out != "" && !strings.Contains(msg, out):
		msg += "; " + out
	}
	if msg == "" {
		msg = "failed without a message"
	}
	return out, fmt.Errorf("openocd: %s: %s", cmd, oneLine(msg))
}

// awaitFence waits until the log reader passed the fence echoed after
// command seq, so every line the command logged reached its step.
func (s *Session) awaitFence(seq uint64) {
	t := time.NewTimer(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case n := <-s.proc.markers:
			if n >= seq {
				return
			}
		case <-t.C:
			return // the reply is in; a lost log line is no reason to fail
		case <-s.proc.done:
			return
		}
	}
}

func (s *Session) killLocked(cause error) {
	s.proc.kill()
	s.tcl.close()
	s.dead = fmt.Errorf("openocd: the OpenOCD process was stopped (%v); start a new session", cause)
}

// Close asks OpenOCD to shut down, kills it if it does not, and reaps it.
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer os.RemoveAll(s.dir)
	if s.dead != nil {
		return nil
	}
	s.dead = errors.New("openocd: session closed")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s.tcl.call(ctx, "shutdown")
	s.tcl.close()
	if !s.proc.waitExit(3 * time.Second) {
		s.proc.kill()
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
