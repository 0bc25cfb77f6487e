package hosttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim"
	"github.com/flashstation/flashstation/drivers/sim/chip/w25q"
	"github.com/flashstation/flashstation/drivers/sim/usbipd"
)

// libDir holds the shims built for this test binary (TestMain).
var libDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "usbshim-lib")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := buildShims(dir); err != nil {
		fmt.Fprintln(os.Stderr, "building the shims:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	libDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildShims compiles usbshim/ as the Makefile's shims target does.
func buildShims(dir string) error {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(file)) // usbshim/
	cflags, err := exec.Command("pkg-config", "--cflags", "libusb-1.0").Output()
	if err != nil {
		return fmt.Errorf("pkg-config libusb-1.0: %w", err)
	}
	common := []string{filepath.Join(root, "client", "client.c"), filepath.Join(root, "codec", "usbip.c")}
	glob := func(d string) []string { m, _ := filepath.Glob(filepath.Join(root, d, "*.c")); return m }
	for _, lib := range []struct {
		name string
		src  []string
	}{
		{"libusb-1.0.so.0", glob("libusb")},
		{"libhidapi-hidraw.so.0", glob("hidapi")},
		{"libhidapi-libusb.so.0", glob("hidapi")},
	} {
		args := append([]string{"-std=gnu11", "-O2", "-Wall", "-Werror", "-fPIC", "-fvisibility=hidden", "-shared",
			"-Wl,-soname," + lib.name, "-o", filepath.Join(dir, lib.name)}, strings.Fields(string(cflags))...)
		args = append(args, lib.src...)
		args = append(args, common...)
		args = append(args, "-lpthread")
		if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("gcc %s: %v\n%s", lib.name, err, out)
		}
	}
	return nil
}

// flashstation is our own CLI, built once (on first use) into libDir, so
// it runs with the shims as every other host tool does: gousb links
// libusb-1.0 dynamically and finds the shim first on LD_LIBRARY_PATH.
var flashstation = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(libDir, "flashstation")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/flashstation/flashstation/cmd/flashstation").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./cmd/flashstation: %v\n%s", err, out)
	}
	return bin, nil
})

// ourCLI is flashstation's path, failing the test when it does not build.
func ourCLI(t *testing.T) string {
	t.Helper()
	bin, err := flashstation()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// require finds a tool or fails (FLASHSTATION_REQUIRE_<env>=1) or skips
// saying so on stderr.
func require(t *testing.T, env, tool, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err == nil {
		return path
	}
	msg := fmt.Sprintf("%s NOT INSTALLED: this third-party check did NOT run (FLASHSTATION_DEPS=%s bash scripts/deps.sh)", tool, pkg)
	if os.Getenv("FLASHSTATION_REQUIRE_"+env) == "1" {
		t.Fatal(msg + "; FLASHSTATION_REQUIRE_" + env + "=1 makes this a failure")
	}
	fmt.Fprintln(os.Stderr, "!!! "+t.Name()+": "+msg)
	t.Skip(msg)
	return ""
}

// events collects the server's JSON session lines.
type events struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (e *events) Write(p []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.buf.Write(p)
}

// modeled sums the modeled seconds of the sessions that served serial
// (all sessions when serial is empty) and empties the log.
func (e *events) modeled(serial string) (seconds float64, commands int) {
	// The server writes a session's line when it sees the connection
	// close, a moment after the tool exits.
	for i := 0; i < 40; i++ {
		e.mu.Lock()
		n := e.buf.Len()
		e.mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, line := range strings.Split(e.buf.String(), "\n") {
		var ev usbipd.SessionEvent
		if json.Unmarshal([]byte(line), &ev) != nil || ev.Event != "session" {
			continue
		}
		if serial == "" || ev.Serial == serial {
			seconds += ev.Modeled
			commands += ev.Commands
		}
	}
	e.buf.Reset()
	return seconds, commands
}

// server is an in-process `sim usb-server` on a free 127.0.0.1 port.
type server struct {
	fx   *sim.Fixture
	srv  *usbipd.Server
	addr string
	ev   *events
}

func startServer(t *testing.T, spec string) *server {
	t.Helper()
	fx, err := sim.New(spec, sim.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ev := &events{}
	srv := usbipd.New(usbipd.Config{Fixture: fx, Events: ev, Log: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && ctx.Err() == nil {
				t.Errorf("usb server: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("usb server did not stop within 10 s")
		}
	})
	return &server{fx: fx, srv: srv, addr: ln.Addr().String(), ev: ev}
}

// env is the environment a host tool runs in: the shims first on the
// library path, the server named.
func (s *server) env() []string {
	return append(os.Environ(), "LD_LIBRARY_PATH="+libDir, "FLASHSTATION_USBIP="+s.addr)
}

// serial of slot i as its probe reports it.
func (s *server) serial(i int) string { return s.fx.Slots[i].Probe.Descriptor().Serial }

// run runs a tool under the shims with a bound, returning its output.
func (s *server) run(t *testing.T, timeout time.Duration, name string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := s.runTo(t, timeout, &out, &out, nil, name, args...)
	return out.String(), err
}

// runTo runs a tool under the shims with a bound and extra environment,
// its stdout and stderr to the writers given.
func (s *server) runTo(t *testing.T, timeout time.Duration, stdout, stderr io.Writer, env []string, name string, args ...string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(s.env(), env...)
	cmd.Dir = t.TempDir()
	cmd.WaitDelay = 5 * time.Second
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%s did not finish within %v: %w", name, timeout, ctx.Err())
	}
	return err
}

// flashOf reads the simulated chip's flash array as stored.
func (s *server) flashOf(t *testing.T, slot, off, n int) []byte {
	t.Helper()
	switch c := s.fx.Slots[slot].Board().(type) {
	case interface{ ReadFlash(off, n int) []byte }:
		return c.ReadFlash(off, n)
	case interface{ Flash() []byte }:
		return bytes.Clone(c.Flash()[off : off+n])
	case interface{ Flash() *w25q.Flash }: // RP2040: the QSPI flash beside it
		return bytes.Clone(c.Flash().Contents()[off : off+n])
	default:
		t.Fatalf("slot %d: %T has no flash to read", slot, c)
		return nil
	}
}

func image(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 14))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
