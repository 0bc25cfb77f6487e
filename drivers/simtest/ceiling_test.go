package simtest

import (
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers"
)

func TestCeiling(t *testing.T) {
	const kib64 = 64 << 10
	for _, tc := range []struct {
		kind drivers.Kind
		n    int
		hz   uint32
		want time.Duration
	}{
		{drivers.CMSISDAPv2, 4, 4_000_000, 11500 * time.Nanosecond},
		{drivers.CMSISDAPv2, kib64, 4_000_000, 188416 * time.Microsecond}, // 339.7 KiB/s
		{drivers.CMSISDAPv1, kib64, 4_000_000, 1024 * time.Millisecond},   // 1024 reports
		{drivers.CMSISDAPv1, 64, 100_000, 7360 * time.Microsecond},        // a slow wire is the limit
		{drivers.STLinkV2, kib64, 4_000_000, (188416 + 51200) * time.Microsecond},
		{drivers.STLinkV3, kib64, 3_300_000, 228383030*time.Nanosecond + 1280*time.Microsecond},
		{drivers.STLinkV3, 1, 3_300_000, 13939*time.Nanosecond + 10*time.Microsecond},
		{drivers.CMSISDAPv2, 4, 0, 0},
	} {
		if got := Ceiling(tc.kind, tc.n, tc.hz); got != tc.want {
			t.Errorf("Ceiling(%s, %d, %d) = %v, want %v", tc.kind, tc.n, tc.hz, got, tc.want)
		}
	}
}
