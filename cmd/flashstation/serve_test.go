package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
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
			"--listen", "127.0.0.1:0", "--db", db, "--log-format", "json"}, &out, &errOut)
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
	mr, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	scrape, _ := io.ReadAll(mr.Body)
	mr.Body.Close()
	if want := `flashstation_build_info{goversion="` + runtime.Version() + `",revision="`; !strings.Contains(string(scrape), want) ||
		!strings.Contains(string(scrape), `",version="dev"} 1`) {
		t.Errorf("/metrics has no build_info %s", want)
	}
	cancel()
	if c := <-code; c != 0 {
		t.Errorf("exit %d; stderr %s", c, errOut.String())
	}
	// The journal: one JSON object a line; a line per probe coming and per
	// attempt ending, naming slot, probe, unit, recipe, result and time.
	attached, ended := map[string]bool{}, map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(errOut.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		slot, _ := rec["slot"].(string)
		switch rec["msg"] {
		case "probe attached":
			if rec["probe"] == "" || rec["port"] == "" {
				t.Errorf("probe line %v", rec)
			}
			attached[slot] = true
		case "attempt ended":
			if rec["result"] != "pass" || rec["unit"] == "" || rec["recipe"] != "bluepill-blink" || rec["probe"] == "" || rec["level"] != "INFO" {
				t.Errorf("attempt line %v", rec)
			}
			if _, ok := rec["seconds"].(float64); !ok {
				t.Errorf("attempt line without seconds: %v", rec)
			}
			ended[slot] = true
		}
	}
	if len(attached) != 2 || len(ended) != 2 {
		t.Errorf("probe lines for %v, attempt lines for %v; stderr %s", attached, ended, errOut.String())
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
		{[]string{"serve", "--sim", "cmsis-dap-v2:stm32f103c8", "--listen", "127.0.0.1:99999", "--db", filepath.Join(dir, "b.db")}, `port "99999" is not a number from 0 to 65535`},
		{[]string{"serve", "--sim", "cmsis-dap-v2:stm32f103c8", "--listen", "127.0.0.1", "--db", filepath.Join(dir, "c.db")}, "--listen 127.0.0.1: want HOST:PORT"},
		{[]string{"serve", "--speed", "0"}, "--speed 0: want a positive factor"},
		{[]string{"serve", "--speed", "-2"}, "--speed -2: want a positive factor"},
		{[]string{"serve", "--speed", "NaN"}, "--speed NaN: want a positive factor"},
		{[]string{"serve", "--log-level", "loud"}, `--log-level "loud": want debug, info, warn or error`},
		{[]string{"serve", "--log-format", "xml"}, `--log-format "xml": want text or json`},
	} {
		var out, errOut bytes.Buffer
		if c := run(context.Background(), tc.args, &out, &errOut); c != exitUsage || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, c, errOut.String(), tc.want)
		}
	}
}
