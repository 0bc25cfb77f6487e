package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer the server goroutine writes while the
// test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestSimJTAGServer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb lockedBuffer
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"sim", "jtag-server", "--chip", "stm32f103cb", "--port", "0", "--json"}, &out, &errb)
	}()
	var ev jtagServerEvent
	deadline := time.Now().Add(5 * time.Second)
	for ev.Address == "" {
		if time.Now().After(deadline) {
			t.Fatalf("no listening line; stdout %q stderr %q", out.String(), errb.String())
		}
		time.Sleep(10 * time.Millisecond)
		if line, _, ok := strings.Cut(out.String(), "\n"); ok {
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	if ev.Event != "listening" || ev.Chip != "stm32f103cb" || !strings.HasPrefix(ev.Address, "127.0.0.1:") {
		t.Fatalf("listening event %+v", ev)
	}
	c, err := net.Dial("tcp", ev.Address)
	if err != nil {
		t.Fatal(err)
	}
	// Five TMS-high clocks, then quit: the server counts the TCK edges.
	c.Write([]byte("2626262626Q"))
	c.Close()
	time.Sleep(100 * time.Millisecond)
	cancel()
	if got := <-code; got != 0 {
		t.Fatalf("exit %d, stderr %q", got, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var end jtagServerEvent
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &end); err != nil {
		t.Fatal(err)
	}
	blank := sha256.Sum256(bytes.Repeat([]byte{0xFF}, 128<<10))
	if end.Event != "stopped" || end.FlashSHA256 != hex.EncodeToString(blank[:]) || end.TCK != 5 {
		t.Errorf("stopped event %+v, want blank 128 KiB flash and 5 TCK", end)
	}
}

func TestSimJTAGServerBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"sim", "jtag-server", "--chip", "nrf52840"},
		{"sim", "jtag-server", "--chip", "stm32f103c8", "--port", "70000"},
		{"sim", "jtag-server"},
		{"sim", "jtag-server", "--chip", "stm32f103c8", "--tck-khz", "0"},
		{"sim", "jtag-server", "--chip", "stm32f103c8", "--tck-khz", "4294968"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, exitUsage, errb.String())
		}
	}
}
