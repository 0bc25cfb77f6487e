package memmap

import (
	"errors"
	"testing"

	"github.com/flashstation/flashstation/drivers/sim/hw"
)

func TestMapRouting(t *testing.T) {
	var m Map
	ram := NewRAM(16)
	m.Add(0x20000000, 16, ram)
	m.Add(0x1FFF0000, 4, ROM{Mem: Mem{0x78, 0x56, 0x34, 0x12}})
	cases := []struct {
		name    string
		addr    uint32
		size    int
		write   bool
		val     uint32
		want    uint32
		wantErr bool
	}{
		{"ram word", 0x20000004, 4, true, 0xA1B2C3D4, 0xA1B2C3D4, false},
		{"ram byte lane", 0x20000006, 1, false, 0, 0xB2, false},
		{"ram half", 0x20000004, 2, false, 0, 0xC3D4, false},
		{"rom", 0x1FFF0000, 4, false, 0, 0x12345678, false},
		{"rom write faults", 0x1FFF0000, 4, true, 1, 0, true},
		{"past ram end", 0x20000010, 4, false, 0, 0, true},
		{"below ram", 0x1FFFFFFC, 4, false, 0, 0, true},
	}
	for _, tc := range cases {
		var err error
		if tc.write {
			_, err = m.Write(tc.addr, tc.size, tc.val)
		} else {
			var got uint32
			got, _, err = m.Read(tc.addr, tc.size)
			if err == nil && got != tc.want {
				t.Errorf("%s: got %#x want %#x", tc.name, got, tc.want)
			}
		}
		if (err != nil) != tc.wantErr || (err != nil && !errors.Is(err, hw.ErrBusFault)) {
			t.Errorf("%s: err=%v wantErr=%v", tc.name, err, tc.wantErr)
		}
	}
}

func TestMemFill(t *testing.T) {
	m := make(Mem, 8)
	m.Fill(2, 4, 0xFF)
	if !m.IsFilled(2, 4, 0xFF) || m.IsFilled(1, 4, 0xFF) || m.IsFilled(2, 5, 0xFF) {
		t.Fatalf("fill wrong: % x", m)
	}
}
