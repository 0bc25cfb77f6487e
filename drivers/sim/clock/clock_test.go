package clock

import (
	"testing"
	"time"
)

func TestAdvance(t *testing.T) {
	var c Clock
	c.Advance(3 * time.Millisecond)
	c.Advance(-time.Second)
	c.AdvanceTo(time.Millisecond) // earlier: no effect
	if got := c.Now(); got != 3*time.Millisecond {
		t.Fatalf("Now = %v, want 3ms", got)
	}
	c.AdvanceTo(5 * time.Millisecond)
	if got := c.Now(); got != 5*time.Millisecond {
		t.Fatalf("Now = %v, want 5ms", got)
	}
}

func TestBits(t *testing.T) {
	for _, tc := range []struct {
		n    int
		hz   uint32
		want time.Duration
	}{
		{46, 4_000_000, 11500 * time.Nanosecond},
		{8, 1_000_000, 8 * time.Microsecond},
		{10, 0, 0},
		{0, 4_000_000, 0},
	} {
		if got := Bits(tc.n, tc.hz); got != tc.want {
			t.Errorf("Bits(%d, %d) = %v, want %v", tc.n, tc.hz, got, tc.want)
		}
	}
}
