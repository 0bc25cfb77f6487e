package station

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/discover"
	"github.com/flashstation/flashstation/fixtures"
)

// Auto mode starts a slot when a board is seated — by target voltage on an
// ST-Link, by a DP that answers on CMSIS-DAP — once per board.
func TestAutoModeStartsWhenABoardIsSeated(t *testing.T) {
	r := newRig(t, rigOpts{spec: "stlink-v2:stm32f103c8+empty,cmsis-dap-v2:stm32f103c8+empty", mode: fixtures.ModeAuto, realDrv: true})
	if res := r.st.Cycle("api"); res.Started {
		t.Fatalf("a press started a cycle in auto mode: %+v", res)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(allAttempts(t, r)); n != 0 {
		t.Fatalf("%d attempts with empty nests", n)
	}
	count := func(slot string) int {
		n := 0
		for _, a := range allAttempts(t, r) {
			if a.Slot == slot {
				n++
			}
		}
		return n
	}
	for i, slot := range []string{"S01", "S02"} {
		if err := r.fx.Slots[i].Reseat(false); err != nil {
			t.Fatal(err)
		}
		r.waitFor(t, slot+" flashed its board", func() bool { return count(slot) == 1 && r.slot(slot).State == StatePass })
	}
	// The same board stays seated: no second attempt.
	time.Sleep(100 * time.Millisecond)
	if count("S01") != 1 {
		t.Errorf("S01 flashed the same board %d times", count("S01"))
	}
	// Take it out and seat a new one: one more attempt.
	r.fx.Slots[0].Reseat(true)
	time.Sleep(50 * time.Millisecond)
	r.fx.Slots[0].Reseat(false)
	r.waitFor(t, "S01 flashed the next board", func() bool { return count("S01") == 2 })
}

// One failed presence reading (a USB hiccup) is not a new board: the board
// still seated is not flashed again.
func TestAutoModeIgnoresOneMissedReading(t *testing.T) {
	var glitch atomic.Bool
	r := newRig(t, rigOpts{spec: "cmsis-dap-v2:stm32f103c8+empty", mode: fixtures.ModeAuto, realDrv: true,
		presence: func(ctx context.Context, f discover.Found, dflt func(context.Context, discover.Found) bool) bool {
			if glitch.CompareAndSwap(true, false) {
				return false
			}
			return dflt(ctx, f)
		}})
	if err := r.fx.Slots[0].Reseat(false); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, "the board flashed", func() bool { return len(allAttempts(t, r)) == 1 && r.slot("S01").State == StatePass })
	for range 3 {
		glitch.Store(true)
		r.waitFor(t, "the glitch read", func() bool { return !glitch.Load() })
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(allAttempts(t, r)); n != 1 {
		t.Errorf("the same board flashed %d times after single missed readings", n)
	}
}
