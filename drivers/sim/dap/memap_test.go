package dap

import (
	"testing"

	"github.com/flashstation/flashstation/drivers/sim/clock"
	"github.com/flashstation/flashstation/drivers/sim/hw"
)

// ctrlAP is a custom AP (like the nRF52 CTRL-AP): register 0x00 busy until
// a time, register 0x04 faults, others are storage.
type ctrlAP struct {
	clk       *clock.Clock
	busyUntil int64
	regs      [64]uint32
}

func (c *ctrlAP) ReadAP(reg uint8) (uint32, error) {
	switch {
	case reg == 0x00 && int64(c.clk.Now()) < c.busyUntil:
		return 0, &hw.WaitError{Until: clockAt(c.busyUntil)}
	case reg == 0x04:
		return 0, hw.ErrBusFault
	}
	return c.regs[reg/4], nil
}

func (c *ctrlAP) WriteAP(reg uint8, v uint32) error {
	if reg == 0x08 && int64(c.clk.Now()) < c.busyUntil {
		return &hw.WaitError{Until: clockAt(c.busyUntil)}
	}
	c.regs[reg/4] = v
	return nil
}

func TestAPDispatch(t *testing.T) {
	blocked := true
	clk := new(clock.Clock)
	ctrl := &ctrlAP{clk: clk, busyUntil: 1_000_000_000}
	ctrl.regs[0] = 0xAA
	dp := NewDP(hw.DPSpec{DPIDR: 0x2BA01477, Version: 1, APs: []hw.APSpec{
		{Mem: &hw.MemAPSpec{Bus: newRAM(0x20000000, 64), IDR: 0x24770011, WrapBytes: 1024,
			Blocked: func() bool { return blocked }}},
		{Custom: ctrl, IDR: 0x02880000},
	}}, clk)
	w := NewSWDWire(clk, nil, dp)
	connect(w)
	type step struct {
		name    string
		req     uint8
		v       uint32
		wantAck uint8
		want    uint32 // checked for reads
	}
	steps := []step{
		{"blocked: IDR still reads", wrSELECT, 0xF0, AckOK, 0},
		{"", rdAPC, 0, AckOK, 0},
		{"", rdRDBUFF, 0, AckOK, 0x24770011},
		{"blocked: CSW shows DeviceEn clear", wrSELECT, 0, AckOK, 0},
		{"", rdAP0, 0, AckOK, 0x24770011}, // posted: the IDR again
		{"", rdRDBUFF, 0, AckOK, cswReset},
		{"unsupported size keeps the old one", wrAP0, 0x23000003, AckOK, 0},
		{"", rdAP0, 0, AckOK, cswReset},
		{"", rdRDBUFF, 0, AckOK, 0x23000002}, // Prot taken, size 3 refused
		{"blocked: DRW is a bus error", wrAP4, 0x20000000, AckOK, 0},
		{"", rdAPC, 0, AckOK, 0x23000002},
		{"", rdAP0, 0, AckFault, 0},
		{"", wrABORT, AbortStkErrClr, AckOK, 0},
		{"absent AP reads zero", wrSELECT, 0x070000F0, AckOK, 0},
		{"", rdAPC, 0, AckOK, 0},
		{"", rdRDBUFF, 0, AckOK, 0},
		{"", rdCTRL, 0, AckOK, 0xF0000040},
		{"custom AP IDR from the spec", wrSELECT, 0x010000F0, AckOK, 0},
		{"", rdAPC, 0, AckOK, 0},
		{"", rdRDBUFF, 0, AckOK, 0x02880000},
		{"custom AP asks for time: WAIT", wrSELECT, 0x01000000, AckOK, 0},
		{"", rdAP0, 0, AckWait, 0},
		{"", rdAP0, 0, AckWait, 0},
		{"other registers wait too", rdAP8, 0, AckWait, 0},
	}
	for i, s := range steps {
		ack, v, _ := w.Transfer(s.req, s.v)
		if ack != s.wantAck || ack == AckOK && s.req&4 != 0 && v != s.want {
			t.Fatalf("step %d %q: ack %03b data %#x, want %03b %#x", i, s.name, ack, v, s.wantAck, s.want)
		}
	}
	// Once the AP's time has passed, the read goes through.
	w.Transfer(wrABORT, AbortStkErrClr)
	clk.AdvanceTo(clockAt(1_000_000_000))
	w.Transfer(rdAP0, 0)
	if _, v, _ := w.Transfer(rdRDBUFF, 0); v != 0xAA {
		t.Fatalf("custom AP after WAIT: %#x", v)
	}
	w.Transfer(rdAP4, 0) // the custom AP faults
	if _, st, _ := w.Transfer(rdCTRL, 0); st&CtrlStickyErr == 0 {
		t.Fatalf("custom AP fault: CTRL/STAT %#x", st)
	}
	w.Transfer(wrABORT, AbortStkErrClr)
	// A refused write is acknowledged, then replayed when the AP is ready.
	ctrl.busyUntil = int64(clk.Now()) + 1_000_000
	if ack, _, _ := w.Transfer(wrAP8, 0x55); ack != AckOK {
		t.Fatalf("write ack %03b", ack)
	}
	if ack, _, _ := w.Transfer(wrAP8, 0x66); ack != AckWait || ctrl.regs[2] != 0 {
		t.Fatalf("while the write is pending: ack %03b reg %#x", ack, ctrl.regs[2])
	}
	clk.AdvanceTo(clockAt(ctrl.busyUntil))
	if ack, _, _ := w.Transfer(rdCTRL, 0); ack != AckOK || ctrl.regs[2] != 0 {
		t.Fatalf("CTRL/STAT read must not replay: %03b %#x", ack, ctrl.regs[2])
	}
	if ack, _, _ := w.Transfer(rdRDBUFF, 0); ack != AckOK || ctrl.regs[2] != 0x55 {
		t.Fatalf("pending write not replayed: ack %03b reg %#x", ack, ctrl.regs[2])
	}
	blocked = false
	w.Transfer(wrSELECT, 0)
	w.Transfer(rdAP0, 0)
	if _, csw, _ := w.Transfer(rdRDBUFF, 0); csw&cswDeviceEn == 0 {
		t.Fatalf("unblocked CSW %#x", csw)
	}
}
