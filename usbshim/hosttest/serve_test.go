package hosttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// fixture16 is a 16-nest fixture of every native probe kind, two of them
// clone ST-Links sharing a serial (their slots name them by port).
const fixture16 = "3*cmsis-dap-v2:stm32f103c8,2*cmsis-dap-v1:stm32f103c8,2*stlink-v2:stm32f103c8,2*stlink-v21:stm32f103c8," +
	"2*stlink-v3:stm32f411ce,2*cmsis-dap-v2:nrf52840,cmsis-dap-v2:rp2040,2*stlink-v2:stm32f103c8+serial=" + cloneSerial

// slotsView is what GET /api/slots answers, the fields this test reads.
type slotsView struct {
	Slots []struct {
		Name, State, Reason, Detail string
		Cycle                       int64
	}
}

// station is `flashstation serve --config` running over the shims.
type station struct {
	url string
	out *lockedBuf
}

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (st *station) slots(t *testing.T) slotsView {
	t.Helper()
	resp, err := http.Get(st.url + "/api/slots")
	if err != nil {
		t.Fatalf("GET /api/slots: %v", err)
	}
	defer resp.Body.Close()
	var v slotsView
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("GET /api/slots: %v", err)
	}
	return v
}

type attemptView struct {
	Slot, Result, FailedStep, Error string
}

// attempts lists the recorded attempts the query selects.
func (st *station) attempts(t *testing.T, query string) []attemptView {
	t.Helper()
	resp, err := http.Get(st.url + "/api/attempts?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		Attempts []struct {
			Slot       string `json:"slot"`
			Result     string `json:"result"`
			FailedStep string `json:"failed_step"`
			Error      string `json:"error"`
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("GET /api/attempts?%s: %v", query, err)
	}
	var out []attemptView
	for _, a := range v.Attempts {
		out = append(out, attemptView(a))
	}
	return out
}

// waitFor polls the slots until ok says so (bounded: 60 s).
func (st *station) waitFor(t *testing.T, what string, ok func(slotsView) bool) slotsView {
	t.Helper()
	var v slotsView
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if v = st.slots(t); ok(v) {
			return v
		}
	}
	t.Fatalf("slots never %s: %+v\nserve said:\n%s", what, v, st.out.String())
	return v
}

// cycle presses START and waits for every started slot to end.
func (st *station) cycle(t *testing.T) slotsView {
	t.Helper()
	resp, err := http.Post(st.url+"/api/cycle", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var started struct {
		Cycle int64
		Slots []string
	}
	json.NewDecoder(resp.Body).Decode(&started)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /api/cycle: %s", resp.Status)
	}
	in := map[string]bool{}
	for _, n := range started.Slots {
		in[n] = true
	}
	return st.waitFor(t, fmt.Sprintf("done with cycle %d", started.Cycle), func(v slotsView) bool {
		for _, s := range v.Slots {
			if in[s.Name] && (s.Cycle != started.Cycle || s.State == "running") {
				return false
			}
		}
		return true
	})
}

// control posts to the USB/IP server's hotplug control endpoint.
func control(t *testing.T, ctl, busid, action string) {
	t.Helper()
	resp, err := http.Post(ctl+"/devices/"+busid+"/"+action, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST /devices/%s/%s: %s", busid, action, resp.Status)
	}
}

func stateOf(v slotsView, name string) (state, reason string) {
	for _, s := range v.Slots {
		if s.Name == name {
			return s.State, s.Reason + " " + s.Detail
		}
	}
	return "", ""
}

// `flashstation serve --config station.toml` over our gousb path with 16
// probes: a cycle passes on every slot and each chip holds its image;
// hotplug through the server's control endpoint (a probe unplugged is
// absent and comes back when plugged; a nest without a board fails the
// board, not the station, and passes once one is seated); a probe that
// vanishes mid-attempt ends that slot as a station error while the
// others pass.
func TestServeOverUSBIP(t *testing.T) {
	bin := ourCLI(t)
	s := startServer(t, fixture16)
	ctl := httptest.NewServer(s.srv.ControlHandler())
	defer ctl.Close()
	devs := s.srv.State()

	type fam struct {
		family, variant string
		base            uint32
		off             int
	}
	fams := map[string]fam{
		"stm32f103c8": {"stm32f1", "stm32f103c8", 0x08000000, 0},
		"stm32f411ce": {"stm32f4", "stm32f411ce", 0x08000000, 0},
		"nrf52840":    {"nrf52", "nrf52840", 0x1000, 0x1000},
		"rp2040":      {"rp2040", "rp2040", 0x10000000, 0},
	}
	// The slot that loses its probe mid-attempt erases its F411 first: 8
	// modeled seconds of polling, long enough to be caught running.
	const vanish = 10 // S11, stlink-v3:stm32f411ce
	dir := t.TempDir()
	var toml strings.Builder
	fmt.Fprintf(&toml, "station = \"usbip-16\"\ndatabase = %q\n[cycle]\nmode = \"pedal\"\nattempt_deadline = \"1m\"\n", filepath.Join(dir, "a.db"))
	imgs := make([][]byte, len(s.fx.Slots))
	for i, slot := range s.fx.Slots {
		f := fams[string(slot.Spec.Chip)]
		imgs[i] = image(uint64(100+i), 1024)
		steps := []string{"read-id", "unlock", "program", "verify", "reset"}
		if i == vanish {
			steps = []string{"read-id", "mass-erase", "program", "verify", "reset"}
		}
		recipe := smallRecipe(t, f.family, f.variant, f.base, imgs[i], steps...)
		probe := s.serial(i)
		if slot.Spec.Serial == cloneSerial {
			probe = "usb:" + devs[i].BusID
		}
		fmt.Fprintf(&toml, "[[slot]]\nname = \"S%d\"\nprobe = %q\nrecipe = %q\nplace = { row = %d, col = %d }\n",
			i+1, probe, recipe, i/4+1, i%4+1)
	}
	cfg := filepath.Join(dir, "station.toml")
	if err := os.WriteFile(cfg, []byte(toml.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	out := &lockedBuf{}
	cmd := exec.Command(bin, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--log-format", "json")
	cmd.Env = append(s.env(), "LIBUSB_DEBUG=1")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var waitErr error
	done := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(done) }()
	// Registered after startServer's: runs first, so serve stops before
	// the USB/IP server does.
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Error("serve did not stop within 10 s of SIGINT")
		}
	})
	st := &station{out: out}
	re := regexp.MustCompile(`operator page (http://\S+)/`)
	for end := time.Now().Add(30 * time.Second); st.url == "" && time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			st.url = m[1]
		}
		select {
		case <-done:
			t.Fatalf("serve ended: %v\n%s", waitErr, out.String())
		default:
		}
	}
	if st.url == "" {
		t.Fatalf("serve printed no address:\n%s", out.String())
	}
	st.waitFor(t, "all idle", func(v slotsView) bool {
		for _, s := range v.Slots {
			if s.State != "idle" {
				return false
			}
		}
		return len(v.Slots) == 16
	})

	// Cycle 1: S11's probe vanishes mid-attempt: that slot is a station
	// error; the other fifteen pass and their chips hold their images.
	resp, err := http.Post(st.url+"/api/cycle", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	name := fmt.Sprintf("S%d", vanish+1)
	st.waitFor(t, name+" erasing", func(v slotsView) bool { s, _ := stateOf(v, name); return s == "running" })
	time.Sleep(300 * time.Millisecond) // into the erase
	control(t, ctl.URL, devs[vanish].BusID, "unplug")
	v := st.waitFor(t, "done with cycle 1", func(v slotsView) bool {
		for _, s := range v.Slots {
			if s.Cycle != 1 || s.State == "running" {
				return false
			}
		}
		return true
	})
	for i, sl := range v.Slots {
		if sl.Name == name {
			// The slot shows the probe gone; its attempt is recorded
			// as the station's error.
			a := st.attempts(t, "slot="+name)
			if len(a) != 1 || a[0].Result != "error" || !strings.Contains(a[0].Error+sl.Reason, "disconnected") {
				t.Errorf("cycle 1: %s lost its probe mid-attempt: slot %s (%s), attempts %+v; want one error: probe disconnected", name, sl.State, sl.Reason, a)
			} else {
				t.Logf("cycle 1: %s lost its probe mid-attempt: slot %s, attempt %s at %s: %s", name, sl.State, a[0].Result, a[0].FailedStep, a[0].Error)
			}
			continue
		}
		if sl.State != "pass" {
			t.Errorf("cycle 1: %s (%s) %s: %s %s", sl.Name, s.fx.Slots[i].Spec, sl.State, sl.Reason, sl.Detail)
		}
		f := fams[string(s.fx.Slots[i].Spec.Chip)]
		if got := s.flashOf(t, i, f.off, len(imgs[i])); !bytes.Equal(got, imgs[i]) {
			t.Errorf("cycle 1: %s passed but its chip holds % x…", sl.Name, got[:8])
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// Hotplug: S1's probe leaves and returns; S2's nest is emptied.
	control(t, ctl.URL, devs[0].BusID, "unplug")
	st.waitFor(t, "S1 absent", func(v slotsView) bool { s, _ := stateOf(v, "S1"); return s == "absent" })
	control(t, ctl.URL, devs[1].BusID, "board/remove")
	v = st.cycle(t)
	for _, want := range []struct{ slot, state, why string }{
		{"S1", "absent", "unplugged"}, {"S2", "fail", "without a board (the board's fail)"}, {name, "absent", "unplugged mid-attempt"}, {"S3", "pass", ""}} {
		if s, why := stateOf(v, want.slot); s != want.state {
			t.Errorf("cycle 2: %s %s is %s (%s), want %s", want.slot, want.why, s, why, want.state)
		}
	}
	control(t, ctl.URL, devs[0].BusID, "plug")
	control(t, ctl.URL, devs[1].BusID, "board/seat")
	st.waitFor(t, "S1 idle again", func(v slotsView) bool { s, _ := stateOf(v, "S1"); return s == "idle" })
	v = st.cycle(t)
	for _, sl := range v.Slots {
		if sl.State != "pass" && sl.Name != name {
			t.Errorf("cycle 3 (S1 replugged, S2 reseated): %s %s (%s)", sl.Name, sl.State, sl.Reason)
		}
	}
	control(t, ctl.URL, devs[vanish].BusID, "plug")
	st.waitFor(t, name+" back", func(v slotsView) bool { s, _ := stateOf(v, name); return s == "idle" })
	if strings.Contains(out.String(), "transfer was still being processed") || strings.Contains(out.String(), "no USB bus") {
		t.Errorf("serve logged:\n%s", out.String())
	}
	sec, cmds := s.ev.modeled("")
	t.Logf("3 cycles over 16 probes: modeled %.3f s in %d probe commands", sec, cmds)
}
