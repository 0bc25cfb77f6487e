package station

import (
	"testing"
	"time"

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
