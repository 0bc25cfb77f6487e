package discover

import (
	"testing"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/link"
)

// KitProg3 in CMSIS-DAP bulk mode names its interface "CMSIS-DAP" but
// declares interface class 0, not 0xFF; OpenOCD accepts a reliably named
// interface whatever its class ("At least KitProg3 uses class 0 contrary
// to the specification", cmsis_dap_usb_bulk.c).
func TestKitProg3BulkClassZero(t *testing.T) {
	d := link.Device{VID: 0x04b4, PID: 0xf155, Product: "KitProg3 CMSIS-DAP", Serial: "1A2B", Port: "usb:1-2",
		Interfaces: []link.Interface{{Number: 0, Class: 0x00, Name: "KitProg3 CMSIS-DAP", Endpoints: []link.Endpoint{
			{Address: 0x01, Type: link.Bulk, MaxPacket: 64}, {Address: 0x82, Type: link.Bulk, MaxPacket: 64}}}}}
	f, ok := Classify(d)
	if !ok || f.Kind != drivers.CMSISDAPv2 || f.Interface != 0 {
		t.Fatalf("Classify = %+v, %v; want CMSIS-DAP v2 on interface 0", f, ok)
	}
}
