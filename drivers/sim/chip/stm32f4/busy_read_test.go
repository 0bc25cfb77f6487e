package stm32f4

import "testing"

// RM0383 §3.5 (Read interface / erase and program): "any attempt to read
// the Flash memory while it is being written or erased causes the bus to
// stall. Read operations are processed correctly once the program
// operation has completed." The stalled read must deliver the data.
func TestReadWhileBusyReturnsData(t *testing.T) {
	d := newDbg(t, false)
	d.unlock()
	d.W32(FlashIF+regCR, crPG|2<<8)
	d.W32(FlashBase+0x100, 0x12345678)
	v, stall, err := d.Bus.Read(FlashBase+0x100, 4) // BSY still set
	if err != nil || stall == 0 {
		t.Fatalf("read while BSY: stall=%v err=%v (want a stall)", stall, err)
	}
	if v != 0x12345678 {
		t.Errorf("stalled read returned %#x, want 0x12345678", v)
	}
}
