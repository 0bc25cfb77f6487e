package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/usbip"
)

func TestSimUSBServer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb lockedBuffer
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"sim", "usb-server", "--sim", "cmsis-dap-v2:stm32f411ce,stlink-v2:stm32f103c8+empty", "--listen", "127.0.0.1:0", "--control", "127.0.0.1:0"}, &out, &errb)
	}()
	var ev usbServerEvent
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
	if len(ev.Devices) != 2 || ev.Devices[0].VIDPID != "1fc9:0143" || ev.Devices[1].BusID != "1-1.2" || ev.Devices[1].Chip != "" {
		t.Fatalf("listening event %+v", ev)
	}
	resp, err := http.Get("http://" + ev.Control + "/devices")
	if err != nil {
		t.Fatalf("control interface: %v", err)
	}
	var states []struct{ BusID string }
	json.NewDecoder(resp.Body).Decode(&states)
	resp.Body.Close()
	if len(states) != 2 || states[1].BusID != "1-1.2" {
		t.Errorf("GET /devices: %+v", states)
	}
	// A session: import the CMSIS-DAP, one command, leave.
	c, err := net.Dial("tcp", ev.Address)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	req, _ := usbip.EncodeReqImport("1-1.1")
	c.Write(req)
	if h, err := usbip.ReadOpHeader(c); err != nil || h.Status != usbip.StOK {
		t.Fatalf("import: %+v %v", h, err)
	}
	if _, err := usbip.DecodeRepImport(c); err != nil {
		t.Fatal(err)
	}
	c.Write(usbip.CmdSubmit{Basic: usbip.Basic{Seqnum: 1, Direction: usbip.DirIn, EP: 2}, TransferBufferLength: 512}.Encode())
	c.Write(usbip.CmdSubmit{Basic: usbip.Basic{Seqnum: 2, EP: 1}, TransferBufferLength: 2, Data: []byte{0x02, 0x01}}.Encode())
	for range 2 {
		if _, err := usbip.ReadReturn(c, func(s uint32) bool { return s == 1 }); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	var sess struct {
		Event, Probe, BusID string
		Commands            int
		Modeled             float64 `json:"modeled_s"`
	}
	for sess.Event == "" {
		if time.Now().After(deadline.Add(5 * time.Second)) {
			t.Fatalf("no session line; stdout %q", out.String())
		}
		time.Sleep(10 * time.Millisecond)
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) > 1 {
			if err := json.Unmarshal([]byte(lines[1]), &sess); err != nil {
				t.Fatal(err)
			}
		}
	}
	if sess.Event != "session" || sess.Probe != "cmsis-dap-v2" || sess.Commands != 1 || sess.Modeled <= 0 {
		t.Errorf("session line %+v", sess)
	}
	cancel()
	if got := <-code; got != 0 {
		t.Fatalf("exit %d, stderr %q", got, errb.String())
	}
}
