package sim

import (
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/link"
)

func TestEndpointTiming(t *testing.T) {
	us := time.Microsecond
	hid := newEndpointTiming(link.Endpoint{Address: 0x01, Type: link.Interrupt, MaxPacket: 64})
	// Ready mid-frame: waits for the next frame, then one packet.
	if got := hid.schedule(300*us, 64); got != time.Millisecond+50*us {
		t.Errorf("first HID transfer done at %v", got)
	}
	// Ready right away again: the endpoint is booked until the next frame.
	if got := hid.schedule(1100*us, 64); got != 2*time.Millisecond+50*us {
		t.Errorf("second HID transfer done at %v", got)
	}
	bulk := newEndpointTiming(link.Endpoint{Address: 0x01, Type: link.Bulk, MaxPacket: 512})
	if got := bulk.schedule(10*us, 1024); got != 125*us+20*us {
		t.Errorf("HS bulk 1024 B done at %v", got)
	}
	// Back to back in the same microframe window once started.
	if got := bulk.schedule(130*us, 512); got != 250*us+10*us {
		t.Errorf("HS bulk next done at %v", got)
	}
}
