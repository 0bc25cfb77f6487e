package jlink

import (
	"testing"

	"github.com/flashstation/flashstation/drivers/link"
)

func TestIdentity(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"123456", "000000123456"},
		{"801001234", "000801001234"},
		{"000000000042", "000000000042"},
	} {
		d := New(tc.in).Descriptor()
		if d.VID != 0x1366 || d.PID != 0x0101 || d.Serial != tc.want || d.Product != "J-Link" {
			t.Errorf("New(%q): %04x:%04x serial %q product %q", tc.in, d.VID, d.PID, d.Serial, d.Product)
		}
		itf := d.Interfaces[0]
		if len(d.Interfaces) != 1 || itf.Class != 0xFF || itf.SubClass != 0xFF || len(itf.Endpoints) != 2 {
			t.Fatalf("interfaces %+v", d.Interfaces)
		}
		in, out := 0, 0
		for _, ep := range itf.Endpoints {
			if ep.Type != link.Bulk {
				t.Errorf("endpoint %02x not bulk", ep.Address)
			}
			if ep.IsIn() {
				in++
			} else {
				out++
			}
		}
		if in != 1 || out != 1 {
			t.Errorf("endpoints %+v: want one IN, one OUT", itf.Endpoints)
		}
	}
}

func TestSilent(t *testing.T) {
	f := New("1")
	f.Out([]byte{0x01}) // EMU_CMD_VERSION on a real J-Link
	if p, ok := f.In(); ok {
		t.Errorf("answered %x", p)
	}
	if f.Interface() != 0 {
		t.Errorf("interface %d", f.Interface())
	}
}
