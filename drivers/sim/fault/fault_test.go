package fault

import "testing"

func TestNilInjectorNeverFires(t *testing.T) {
	var f *Injector
	if f.Fire(LinkDrop) || f.IsBadCell(0x08000000) || f.Fired(LinkDrop) != 0 {
		t.Fatal("nil injector fired")
	}
}

func TestRatesAreSeededAndRepeatable(t *testing.T) {
	count := func(seed uint64) int {
		f := New(seed)
		f.SetRate(WaitStorm, 0.25)
		n := 0
		for range 10000 {
			if f.Fire(WaitStorm) {
				n++
			}
		}
		if f.Fire(NoAck) {
			t.Fatal("kind with rate 0 fired")
		}
		return n
	}
	a, b := count(7), count(7)
	if a != b {
		t.Fatalf("same seed gave %d and %d", a, b)
	}
	if a < 2200 || a > 2800 {
		t.Fatalf("rate 0.25 fired %d of 10000", a)
	}
}

func TestBadCellCoversWord(t *testing.T) {
	f := New(1)
	f.AddBadCell(0x08000402)
	for _, a := range []uint32{0x08000400, 0x08000401, 0x08000403} {
		if !f.IsBadCell(a) {
			t.Errorf("0x%08x not bad", a)
		}
	}
	if f.IsBadCell(0x08000404) {
		t.Error("neighbour word bad")
	}
}

func TestArmFiresExactlyN(t *testing.T) {
	f := New(1)
	f.Arm(Wait, 3)
	n := 0
	for range 10 {
		if f.Fire(Wait) {
			n++
		}
	}
	if n != 3 || f.Fired(Wait) != 3 || f.Armed(Wait) != 0 {
		t.Fatalf("armed 3: fired %d (count %d, left %d)", n, f.Fired(Wait), f.Armed(Wait))
	}
	f.Arm(Wait, 2)
	f.Arm(Wait, 0)
	if f.Fire(Wait) {
		t.Fatal("Arm(k, 0) did not disarm")
	}
	f.SetRate(Wait, 0)
	f.Arm(Hang, 1)
	if !f.Fire(Hang) || f.Fire(Hang) {
		t.Fatal("Arm(Hang, 1) should fire once, with no rate set")
	}
}
