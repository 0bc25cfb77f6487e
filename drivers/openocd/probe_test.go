package openocd

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/drivers"
)

func TestAdapterFor(t *testing.T) {
	for _, tc := range []struct {
		id   drivers.Identity
		want string
		err  string
	}{
		{drivers.Identity{Kind: drivers.JLink, Serial: "000801000005"}, "adapter driver jlink;adapter serial 801000005;transport select swd", ""},
		{drivers.Identity{Kind: drivers.STLinkV2, Serial: "066DFF485457725187092136"}, "source [find interface/stlink.cfg];adapter serial 066DFF485457725187092136;transport select hla_swd", ""},
		{drivers.Identity{Kind: drivers.CMSISDAPv2, Serial: "E660C062"}, "adapter driver cmsis-dap;adapter serial E660C062;transport select swd", ""},
		{drivers.Identity{Kind: drivers.JLink, Port: "usb:1-2"}, "", "no serial number"},
		{drivers.Identity{Kind: drivers.JLink, Serial: "abc"}, "", "not a decimal number"},
	} {
		args, err := AdapterFor(tc.id)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%+v: err %v, want %q", tc.id, err, tc.err)
			}
			continue
		}
		if got := strings.Join(args, ";"); err != nil || got != tc.want {
			t.Errorf("%+v: %q, %v", tc.id, got, err)
		}
	}
	p := NewProbe(drivers.Identity{Kind: drivers.JLink, Serial: "1"})
	if _, err := p.Connect(context.Background(), drivers.ConnectOptions{}); !errors.Is(err, ErrDrivenByOpenOCD) {
		t.Errorf("Connect: %v", err)
	}
}
