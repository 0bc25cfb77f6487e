package openocd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// markerPrefix starts the fence lines the driver echoes after every
// operation; no OpenOCD message starts with it.
const markerPrefix = "\x01flashstation-fence "

// process is one running OpenOCD with its log reader.
type process struct {
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process was reaped
	waitErr error
	markers chan uint64 // fence numbers, in log order

	mu   sync.Mutex
	sink func(line string) // the running operation's log; nil between them
	tail []string          // the last lines outside operations (start-up errors)
	idle func(line string)
}

// freePort asks the kernel for a free loopback port. Another process may
// take it before OpenOCD binds it; Start then retries with a new one.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("openocd: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startProcess runs OpenOCD in its own process group (so a kill reaches any
// child it spawns) with every server on 127.0.0.1.
func startProcess(binary string, args []string, idle func(string)) (*process, error) {
	cmd := exec.Command(binary, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("openocd: start %s: %w", binary, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{}), markers: make(chan uint64, 64), idle: idle}
	go p.readLog(pr)
	go func() {
		p.waitErr = cmd.Wait()
		pw.Close()
		close(p.done)
	}()
	return p, nil
}

// readLog hands every log line to the running operation, or keeps it.
func (p *process) readLog(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, markerPrefix); ok {
			var n uint64
			if _, err := fmt.Sscan(rest, &n); err == nil {
				select {
				case p.markers <- n:
				default: // nobody waits for old fences
				}
			}
			continue
		}
		// The sink runs under mu so that once setSink(nil) returns, no line
		// reaches an operation that already ended.
		p.mu.Lock()
		sink := p.sink
		if sink != nil {
			sink(line)
		} else {
			p.tail = append(p.tail, line)
			if len(p.tail) > 40 {
				p.tail = p.tail[1:]
			}
		}
		p.mu.Unlock()
		if sink == nil && p.idle != nil {
			p.idle(line)
		}
	}
	io.Copy(io.Discard, r) // never block OpenOCD on a full pipe
}

func (p *process) setSink(f func(string)) {
	p.mu.Lock()
	p.sink = f
	p.mu.Unlock()
}

// errorTail is the start-up failure as OpenOCD put it: its Error lines, or
// its last lines when it printed none.
func (p *process) errorTail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []string
	for _, l := range p.tail {
		if msg, ok := strings.CutPrefix(l, "Error: "); ok {
			errs = append(errs, msg)
		}
	}
	if len(errs) == 0 {
		errs = p.tail[max(0, len(p.tail)-3):]
	}
	return strings.Join(errs, "; ")
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill ends the whole process group and waits until it was reaped.
func (p *process) kill() {
	if p.cmd.Process != nil && !p.exited() {
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
	<-p.done
}

// waitExit waits up to d for the process to end on its own.
func (p *process) waitExit(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
		return true
	case <-t.C:
		return false
	}
}

// dialWhenUp connects to the Tcl port once OpenOCD listens on it.
func (p *process) dialWhenUp(ctx context.Context, addr string) (*tclConn, error) {
	for {
		c, err := dialTcl(ctx, addr)
		if err == nil {
			return c, nil
		}
		t := time.NewTimer(50 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-p.done:
			t.Stop()
			return nil, errExited
		case <-t.C:
		}
	}
}

var errExited = errors.New("openocd exited")
