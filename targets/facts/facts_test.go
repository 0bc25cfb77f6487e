package facts

import (
	"strings"
	"testing"
)

func TestEmbeddedFactsAreValid(t *testing.T) {
	all := All()
	if len(all) != 5 {
		t.Fatalf("%d variants", len(all))
	}
	for _, v := range all {
		if err := v.check(); err != nil {
			t.Error(err)
		}
	}
}

func TestKnownValues(t *testing.T) {
	for _, tc := range []struct {
		name    string
		flashKB uint32
		sectors int
		devID   uint32
	}{
		{"stm32f103c8", 64, 64, 0x410},
		{"STM32F103CB", 128, 128, 0x410},
		{"stm32f411ce", 512, 8, 0x431},
		{"nrf52840", 1024, 256, 0x52840},
		{"rp2040", 2048, 512, 0x002},
	} {
		v, err := Lookup(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if v.Flash.Size/1024 != tc.flashKB || len(v.Sectors()) != tc.sectors || v.DevID != tc.devID {
			t.Errorf("%s: %d KiB, %d sectors, dev 0x%x", tc.name, v.Flash.Size/1024, len(v.Sectors()), v.DevID)
		}
	}
	f4, _ := Lookup("stm32f411ce")
	want := []uint32{0x08000000, 0x08004000, 0x08008000, 0x0800C000, 0x08010000, 0x08020000, 0x08040000, 0x08060000}
	for i, s := range f4.Sectors() {
		if s.Addr != want[i] {
			t.Errorf("F411 sector %d at 0x%08X, want 0x%08X", i, s.Addr, want[i])
		}
	}
}

func TestSectorsCovering(t *testing.T) {
	f4, _ := Lookup("stm32f411ce")
	got, err := f4.SectorsCovering(0x08003FFF, 2) // straddles sectors 0 and 1
	if err != nil || len(got) != 2 || got[0].Index != 0 || got[1].Index != 1 {
		t.Errorf("covering = %+v, %v", got, err)
	}
	if _, err := f4.SectorsCovering(0x0807FFFF, 2); err == nil || !strings.Contains(err.Error(), "outside STM32F411CE flash") {
		t.Errorf("past the end: %v", err)
	}
	if _, err := f4.SectorsCovering(0x07FFFFFF, 1); err == nil {
		t.Error("before the start accepted")
	}
	if _, err := Lookup("stm32f412"); err == nil || !strings.Contains(err.Error(), "known stm32f103c8") {
		t.Errorf("unknown variant: %v", err)
	}
}

func TestCheckRejectsBrokenData(t *testing.T) {
	good, _ := Lookup("stm32f103c8")
	for name, mutate := range map[string]func(v *Variant){
		"short erase map":   func(v *Variant) { v.Erase = []EraseRun{{Size: 1024, Count: 63}} },
		"odd program unit":  func(v *Variant) { v.ProgramUnit = 3 },
		"overlapping ram":   func(v *Variant) { v.RAM.Base = v.Flash.Base },
		"no dpidr":          func(v *Variant) { v.DPIDR = 0 },
		"past address 4GiB": func(v *Variant) { v.Flash.Base = 0xFFFFF000 },
	} {
		v := *good
		v.Erase = append([]EraseRun(nil), good.Erase...)
		mutate(&v)
		if err := v.check(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestProgrammableRegions(t *testing.T) {
	nrf, _ := Lookup("nrf52840")
	if name, ok := nrf.Programmable(0x10001080, 8); !ok || name != "UICR" {
		t.Errorf("UICR CUSTOMER: %q %v", name, ok)
	}
	if name, ok := nrf.Programmable(0x000F4000, 4096); !ok || name != "flash" {
		t.Errorf("flash: %q %v", name, ok)
	}
	if _, ok := nrf.Programmable(0x10000000, 4); ok {
		t.Error("FICR is programmable")
	}
}
