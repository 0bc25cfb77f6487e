package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer lets the test read what serve prints while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeSimulatedCycle(t *testing.T) {
	db := filepath.Join(t.TempDir(), "a.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"serve", "--sim", "cmsis-dap-v2:stm32f103c8,stlink-v2:stm32f103c8", "--instant",
			"--listen", "127.0.0.1:0", "--db", db}, &out, &errOut)
	}()
	url := ""
	re := regexp.MustCompile(`operator page (http://\S+)/`)
	for end := time.Now().Add(10 * time.Second); url == "" && time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		t.Fatalf("no URL printed; stdout %q stderr %q", out.String(), errOut.String())
	}
	resp, err := http.Post(url+"/api/cycle", "", nil)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /api/cycle: %v %v", resp, err)
	}
	resp.Body.Close()
	var slots struct {
		Slots []struct{ Name, State, Reason, UnitUID string }
	}
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		r, err := http.Get(url + "/api/slots")
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(r.Body).Decode(&slots)
		r.Body.Close()
		if len(slots.Slots) == 2 && slots.Slots[0].State == "pass" && slots.Slots[1].State == "pass" {
			break
		}
	}
	if len(slots.Slots) != 2 || slots.Slots[0].State != "pass" || slots.Slots[1].State != "pass" {
		t.Fatalf("slots %+v; stderr %s", slots, errOut.String())
	}
	cancel()
	if c := <-code; c != 0 {
		t.Errorf("exit %d; stderr %s", c, errOut.String())
	}
}

func TestServeRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "station.toml")
	os.WriteFile(bad, []byte("[[slot]]\nname = \"A1\"\nprobe = \"X\"\nrecipe = \"missing.toml\"\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--config", bad, "--sim", "cmsis-dap-v2:stm32f103c8"}, "station.toml:4:1: slot[0].recipe"},
		{[]string{"serve", "--sim", "cmsis-dap-v2:stm32f103c8", "--listen", "0.0.0.0:0", "--db", filepath.Join(dir, "a.db")}, "set http.token"},
		{[]string{"serve", "--sim", "nope:x"}, "--sim: sim spec item 1"},
		{[]string{"serve", "--speed", "0"}, "--speed 0: want a positive factor"},
		{[]string{"serve", "--speed", "-2"}, "--speed -2: want a positive factor"},
		{[]string{"serve", "--speed", "NaN"}, "--speed NaN: want a positive factor"},
	} {
		var out, errOut bytes.Buffer
		if c := run(context.Background(), tc.args, &out, &errOut); c != exitUsage || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, c, errOut.String(), tc.want)
		}
	}
}
