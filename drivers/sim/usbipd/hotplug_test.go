package usbipd

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/usbip"
)

func post(t *testing.T, url string) (int, DeviceState) {
	t.Helper()
	resp, err := http.Post(url, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st DeviceState
	json.NewDecoder(resp.Body).Decode(&st)
	return resp.StatusCode, st
}

func busids(devs []usbip.Device) map[string]bool {
	m := map[string]bool{}
	for _, d := range devs {
		m[d.BusID] = true
	}
	return m
}

func TestHotplug(t *testing.T) {
	ts := startServer(t, spec3)
	hs := httptest.NewServer(ts.srv.ControlHandler())
	defer hs.Close()

	cl, _ := ts.importDevice(t, "1-1.1")
	if got := cl.transfer(0x01, 0x82, []byte{0x02, 0x01}, 512); hexs(got) != "02 01" {
		t.Fatalf("before unplug: % x", got)
	}
	// An IN URB is pending when the probe is pulled out.
	cl.send(0x82, true, 512, usbip.Setup{}, nil)
	code, st := post(t, hs.URL+"/devices/1-1.1/unplug")
	if code != http.StatusOK || st.Plugged || st.BusID != "1-1.1" {
		t.Fatalf("unplug: %d %+v", code, st)
	}
	cl.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := usbip.ReadReturn(cl.c, nil); err == nil {
		t.Fatalf("imported connection after unplug: %v, want it closed", err)
	}
	if busids(ts.devlist(t))["1-1.1"] {
		t.Error("unplugged probe still in the device list")
	}
	if _, st := ts.importDevice(t, "1-1.1"); st != usbip.StNoDev {
		t.Errorf("import of an unplugged probe: status %d, want ST_NODEV", st)
	}
	waitLog(t, ts, "device unplugged, connection closed")
	// Others are untouched.
	other, _ := ts.importDevice(t, "1-1.3")
	cmd := make([]byte, 16)
	cmd[0] = 0xF1
	if got := other.transfer(0x02, 0x81, cmd, 6); len(got) != 6 {
		t.Errorf("ST-Link while another probe is unplugged: % x", got)
	}

	if code, st := post(t, hs.URL+"/devices/1-1.1/plug"); code != http.StatusOK || !st.Plugged {
		t.Fatalf("plug: %d %+v", code, st)
	}
	if !busids(ts.devlist(t))["1-1.1"] {
		t.Fatal("replugged probe missing from the device list")
	}
	var again *client
	for range 200 { // the old session may still be winding down
		var st uint32
		if again, st = ts.importDevice(t, "1-1.1"); st == usbip.StOK {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if again == nil {
		t.Fatal("replugged probe cannot be imported")
	}
	if got := again.transfer(0x01, 0x82, []byte{0x02, 0x01}, 512); hexs(got) != "02 01" {
		t.Errorf("after replug: % x", got)
	}

	if code, st := post(t, hs.URL+"/devices/1-1.3/board/remove"); code != http.StatusOK || st.Board {
		t.Errorf("board remove: %d %+v", code, st)
	}
	if ts.fx.Slots[2].Board() != nil {
		t.Error("board still seated after remove")
	}
	if code, st := post(t, hs.URL+"/devices/1-1.3/board/seat"); code != http.StatusOK || !st.Board || !st.Plugged || st.Client == "" {
		t.Errorf("board seat: %d %+v (the probe stays plugged and imported)", code, st)
	}
	if code, _ := post(t, hs.URL+"/devices/7-7/unplug"); code != http.StatusNotFound {
		t.Errorf("unknown busid: %d, want 404", code)
	}
	resp, err := http.Get(hs.URL + "/devices")
	if err != nil {
		t.Fatal(err)
	}
	var all []DeviceState
	json.NewDecoder(resp.Body).Decode(&all)
	resp.Body.Close()
	if len(all) != 3 || !all[0].Plugged {
		t.Errorf("GET /devices: %+v", all)
	}
}
