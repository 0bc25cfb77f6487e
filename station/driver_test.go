package station

import (
	"testing"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/fixtures"
)

func TestUsesOpenOCD(t *testing.T) {
	for _, tc := range []struct {
		driver string
		kind   drivers.Kind
		want   bool
	}{
		{fixtures.DriverAuto, drivers.JLink, true},
		{fixtures.DriverAuto, drivers.STLinkV2, false},
		{fixtures.DriverAuto, drivers.CMSISDAPv2, false},
		{fixtures.DriverOpenOCD, drivers.STLinkV3, true},
		{fixtures.DriverNative, drivers.JLink, false},
	} {
		if got := usesOpenOCD(tc.driver, tc.kind); got != tc.want {
			t.Errorf("usesOpenOCD(%q, %s) = %v", tc.driver, tc.kind, got)
		}
	}
}
