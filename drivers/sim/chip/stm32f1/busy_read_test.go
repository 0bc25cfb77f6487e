package stm32f1

import (
	"testing"
)

// PM0075 §2.3 (and RM0008 §3.3.3): "any attempt to read the Flash memory
// while it is being written or erased stalls the bus. The read operation
// proceeds correctly once the program/erase operation has completed."
// The stalled read must deliver the array's contents, not 0.
func TestReadWhileBusyReturnsData(t *testing.T) {
	d := newDbg(t, Config{})
	d.unlock()
	d.W32(FPECBase+regCR, crPG)
	if err := d.Wr(FlashBase, 2, 0x1234); err != nil {
		t.Fatal(err)
	}
	v, stall, err := d.Bus.Read(FlashBase, 2) // BSY still set
	if err != nil || stall == 0 {
		t.Fatalf("read while BSY: stall=%v err=%v (want a stall)", stall, err)
	}
	if v != 0x1234 {
		t.Errorf("stalled read returned %#x, want the programmed 0x1234", v)
	}
	// Option bytes while an option operation runs: same rule.
	d2 := newDbg(t, Config{})
	d2.unlock()
	d2.unlockOptions()
	d2.W32(FPECBase+regCR, crOPTER|crOPTWRE)
	d2.W32(FPECBase+regCR, crOPTER|crSTRT|crOPTWRE)
	v, stall, _ = d2.Bus.Read(OptionBase, 4)
	if stall == 0 || v != 0xFFFFFFFF {
		t.Errorf("option read during OPTER: %#x stall=%v, want 0xFFFFFFFF after a stall", v, stall)
	}
}
