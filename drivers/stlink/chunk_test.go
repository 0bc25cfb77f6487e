package stlink

import (
	"strings"
	"testing"
)

func TestPlanChunks(t *testing.T) {
	k1 := limits{max8: 64, tarBlock: 1024}
	k4 := limits{max8: 64, tarBlock: 4096}
	huge := limits{max8: 512, tarBlock: 1 << 16} // only the probe's buffer limits
	type c = [2]int                              // {offset from addr, bytes}
	tests := []struct {
		name string
		addr uint32
		n    int
		size int
		lim  limits
		want []c
	}{
		{"one word", 0x20000000, 4, 4, k1, []c{{0, 4}}},
		{"8 KiB in 1 KiB blocks", 0x20000000, 8192, 4, k1, []c{{0, 1024}, {1024, 1024}, {2048, 1024}, {3072, 1024}, {4096, 1024}, {5120, 1024}, {6144, 1024}, {7168, 1024}}},
		{"16 KiB in 4 KiB blocks", 0x20000000, 16384, 4, k4, []c{{0, 4096}, {4096, 4096}, {8192, 4096}, {12288, 4096}}},
		{"6144-byte buffer", 0x20000000, 16384, 4, huge, []c{{0, 6144}, {6144, 6144}, {12288, 4096}}},
		{"crosses 1 KiB", 0x200003F0, 64, 4, k1, []c{{0, 16}, {16, 48}}},
		{"crosses 4 KiB", 0x20000FFC, 12, 4, k4, []c{{0, 4}, {4, 8}}},
		{"16-bit crosses", 0x200003FE, 6, 2, k1, []c{{0, 2}, {2, 4}}},
		{"8-bit max 64", 0x20000010, 100, 1, k1, []c{{0, 64}, {64, 36}}},
		{"8-bit crosses", 0x200003F8, 16, 1, k1, []c{{0, 8}, {8, 8}}},
		{"8-bit V3 512", 0x20000000, 1000, 1, limits{max8: 512, tarBlock: 1024}, []c{{0, 512}, {512, 488}}},
		{"to the top", 0xFFFFFFF8, 8, 4, k1, []c{{0, 8}}},
		{"empty", 0x20000000, 0, 4, k1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := planChunks(tc.addr, tc.n, tc.size, tc.lim)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d chunks %+v, want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				if g.off != w[0] || g.n != w[1] || g.addr != tc.addr+uint32(w[0]) || g.size != tc.size {
					t.Errorf("chunk %d = %+v, want off %d len %d", i, g, w[0], w[1])
				}
			}
		})
	}
}

func TestPlanChunksErrors(t *testing.T) {
	k1 := limits{max8: 64, tarBlock: 1024}
	tests := []struct {
		name string
		addr uint32
		n    int
		size int
		lim  limits
		want string
	}{
		{"unaligned word", 0x20000002, 4, 4, k1, "stlink: address 0x20000002 is not aligned to the 32-bit access"},
		{"unaligned half", 0x20000001, 2, 2, k1, "not aligned to the 16-bit access"},
		{"ragged length", 0x20000000, 6, 4, k1, "stlink: length 6 bytes at 0x20000000 is not a multiple of the 32-bit access"},
		{"wraps", 0xFFFFFFFC, 8, 4, k1, "stlink: 8 bytes at 0xfffffffc run past the end of the address space"},
		{"size 3", 0, 3, 3, k1, "access size 3 bytes"},
		{"bad TAR block", 0, 4, 4, limits{max8: 64, tarBlock: 1000}, "bad transfer limits"},
	}
	for _, tc := range tests {
		if _, err := planChunks(tc.addr, tc.n, tc.size, tc.lim); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}
