package sim

import (
	"bytes"
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/drivers/link"
	"github.com/flashstation/flashstation/drivers/sim/chip/stm32f1"
)

// dapCmd sends one CMSIS-DAP command and returns the reply, trimmed to n bytes.
func dapCmd(t *testing.T, l link.Link, cmd string, n int) string {
	t.Helper()
	b, _ := hex.DecodeString(strings.ReplaceAll(cmd, " ", ""))
	ctx := context.Background()
	if _, err := l.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 512)
	got, err := l.Read(ctx, buf)
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(buf[:min(got, n)])
}

// connectSTM32 wakes an SWJ-DP with JTAG-to-SWD and reads DPIDR, with
// packets written from the CMSIS-DAP and ADIv5 documents.
func connectSTM32(t *testing.T, l link.Link) string {
	dapCmd(t, l, "02 01", 2)
	// 56 ones, 0xE79E, 56 ones, 8 zeros: 136 bits.
	dapCmd(t, l, "12 88 ffffffffffffff 9ee7 ffffffffffffff 00", 2)
	return dapCmd(t, l, "05 00 01 02", 7)
}

func TestFixtureWiresBoardsPowerAndReseat(t *testing.T) {
	fx, err := New("cmsis-dap-v2:stm32f103c8,cmsis-dap-v2:stm32f103c8+empty", Options{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(fx.Slots) != 2 || fx.Slots[1].Board() != nil {
		t.Fatalf("slots = %+v", fx.Slots)
	}
	ctx := context.Background()
	l, err := fx.Bus.Open(ctx, fx.Slots[0].Probe.Port(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := connectSTM32(t, l); got != "05010177"+"14a01b" {
		t.Fatalf("DPIDR read = %s", got)
	}
	// Power off: nobody answers (ACK 0b111); power on: the DP starts from
	// its power-on reset and needs the wake-up again.
	fx.Slots[0].SetPower(false)
	if got := dapCmd(t, l, "05 00 01 02", 3); got != "050007" {
		t.Errorf("read with power off = %s", got)
	}
	fx.Slots[0].SetPower(true)
	if got := connectSTM32(t, l); got != "0501017714a01b" {
		t.Errorf("after power on = %s", got)
	}
	// A reseated nest holds a new unit: a different unique ID.
	uid1 := fx.Slots[0].Board().(*stm32f1.Chip).UID()
	if err := fx.Slots[0].Reseat(false); err != nil {
		t.Fatal(err)
	}
	uid2 := fx.Slots[0].Board().(*stm32f1.Chip).UID()
	if bytes.Equal(uid1[:], uid2[:]) {
		t.Error("reseated board has the same UID")
	}
	if got := connectSTM32(t, l); got != "0501017714a01b" {
		t.Errorf("after reseat = %s", got)
	}
	l.Close()
	// The empty nest answers nothing.
	l2, _ := fx.Bus.Open(ctx, fx.Slots[1].Probe.Port(), 0)
	if got := connectSTM32(t, l2); got != "050007" {
		t.Errorf("empty nest = %s", got)
	}
}

func TestFixtureIsRepeatable(t *testing.T) {
	a, _ := New("stlink-v2:stm32f103c8,cmsis-dap-v1:nrf52840", Options{Seed: 3})
	b, _ := New("stlink-v2:stm32f103c8,cmsis-dap-v1:nrf52840", Options{Seed: 3})
	c, _ := New("stlink-v2:stm32f103c8,cmsis-dap-v1:nrf52840", Options{Seed: 4})
	for i := range a.Slots {
		if a.Slots[i].Probe.Serial() != b.Slots[i].Probe.Serial() || a.Slots[i].Probe.Port() != b.Slots[i].Probe.Port() {
			t.Errorf("slot %d differs between equal fixtures", i)
		}
	}
	ua := a.Slots[0].Board().(*stm32f1.Chip).UID()
	ub := b.Slots[0].Board().(*stm32f1.Chip).UID()
	uc := c.Slots[0].Board().(*stm32f1.Chip).UID()
	if ua != ub || ua == uc {
		t.Errorf("UIDs: same seed %x/%x, other seed %x", ua, ub, uc)
	}
	if a.Slots[0].Probe.Faults() == nil {
		t.Error("slot has no fault injector to arm")
	}
}
