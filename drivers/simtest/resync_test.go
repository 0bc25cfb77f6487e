package simtest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/cmsisdap"
	"github.com/flashstation/flashstation/drivers/discover"
	"github.com/flashstation/flashstation/drivers/sim"
	"github.com/flashstation/flashstation/drivers/sim/fault"
	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/recipes"
)

// sramF411 is the STM32F411's SRAM base (RM0383 §2.3).
const sramF411 = 0x20000000

var dapKinds = []string{"cmsis-dap-v1", "cmsis-dap-v2"}

// openDAP opens slot 0 of fx through cmsisdap.Open with a chosen
// per-command deadline (discover.Open takes the default).
func openDAP(t *testing.T, fx *sim.Fixture, cmdTimeout time.Duration) *Rig {
	t.Helper()
	ctx := t.Context()
	found, err := discover.Scan(ctx, fx.Bus)
	if err != nil || len(found) != 1 {
		t.Fatalf("scan: %v (%d found)", err, len(found))
	}
	f := found[0]
	l, err := fx.Bus.Open(ctx, f.Device.Port, f.Interface)
	if err != nil {
		t.Fatal(err)
	}
	p, err := cmsisdap.Open(ctx, l, cmsisdap.OpenInfo{Kind: f.Kind, Serial: f.Serial, Port: f.Device.Port,
		CommandTimeout: cmdTimeout})
	if err != nil {
		l.Close()
		t.Fatalf("open %s: %v", f.Kind, err)
	}
	r := &Rig{Fixture: fx, Slot: fx.Slots[0], Found: f, Probe: p, Link: l}
	t.Cleanup(func() { r.Close() })
	return r
}

// seedWords writes distinct words to SRAM and returns them.
func seedWords(t *testing.T, mem drivers.MemoryAccess) []uint32 {
	t.Helper()
	want := []uint32{0x11111111, 0x22222222, 0x33333333, 0x44444444}
	if err := mem.WriteMemory32(t.Context(), sramF411, want); err != nil {
		t.Fatal(err)
	}
	return want
}

// A process that sent commands and died (or timed out) before reading
// their replies leaves them in the probe: CMSIS-DAP firmware keeps
// buffered packets over a USB close and open (OpenOCD cmsis_dap.c,
// cmsis_dap_flush_read). The next Open must discard them, not take the
// stale DAP_Info(packet size) reply for its own DAP_Info(capabilities).
func TestStaleRepliesFlushedAtOpen(t *testing.T) {
	for _, kind := range dapKinds {
		t.Run(kind, func(t *testing.T) {
			fx, err := sim.New(kind+":stm32f411ce", sim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()
			probe := fx.Slots[0].Probe
			found, err := discover.Scan(ctx, fx.Bus)
			if err != nil || len(found) != 1 {
				t.Fatalf("scan: %v", err)
			}
			// The previous process: three DAP_Info(packet size) commands,
			// then gone without reading.
			l, err := fx.Bus.Open(ctx, found[0].Device.Port, found[0].Interface)
			if err != nil {
				t.Fatal(err)
			}
			cmd := make([]byte, 64) // a whole v1 report; v2 takes it as is
			cmd[0], cmd[1] = 0x00, 0xFF
			for range 3 {
				if _, err := l.Write(ctx, cmd); err != nil {
					t.Fatal(err)
				}
			}
			l.Close()
			if n := probe.Pending(); n != 3 {
				t.Fatalf("the probe holds %d unread replies after close, want 3", n)
			}

			r, err := OpenSlot(ctx, fx, Options{})
			if err != nil {
				t.Fatalf("open after a killed user: %v", err)
			}
			defer r.Close()
			if n := probe.Pending(); n != 0 {
				t.Errorf("%d stale replies left after open", n)
			}
			mem, err := r.Memory(ctx, 4_000_000, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := seedWords(t, mem)
			got := make([]uint32, len(want))
			if err := mem.ReadMemory32(ctx, sramF411, got); err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("SRAM word %d = 0x%08x, want 0x%08x", i, got[i], want[i])
				}
			}
		})
	}
}

// A reply that leaves the probe after its read gave up stays queued; the
// next command has the same ID (DAP_Transfer), so reading its reply
// straight away would take the late one — the previous word — for it.
// The transport must resync on a marker first.
func TestLateReplyResynced(t *testing.T) {
	for _, kind := range dapKinds {
		t.Run(kind, func(t *testing.T) {
			fx, err := sim.New(kind+":stm32f411ce", sim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			// 350 ms: the late reply (fault.LateBy, 500 ms) misses the
			// first read's deadline and arrives within the resync read's.
			r := openDAP(t, fx, 350*time.Millisecond)
			ctx := t.Context()
			mem, err := r.Memory(ctx, 4_000_000, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := seedWords(t, mem)
			inj := r.Slot.Probe.Faults()
			var v [1]uint32
			inj.Arm(fault.LinkLate, 1)
			if err := mem.ReadMemory32(ctx, sramF411, v[:]); !errors.Is(err, drivers.ErrTimeout) {
				t.Fatalf("read with a late reply: %v, want a timeout", err)
			}
			if inj.Fired(fault.LinkLate) != 1 || r.Slot.Probe.Pending() != 1 {
				t.Fatalf("late fault fired %d times, %d replies pending: the test did not set up a late reply",
					inj.Fired(fault.LinkLate), r.Slot.Probe.Pending())
			}
			for i := 1; i < len(want); i++ {
				if err := mem.ReadMemory32(ctx, sramF411+4*uint32(i), v[:]); err != nil {
					t.Fatalf("read word %d after the late reply: %v", i, err)
				}
				if v[0] != want[i] {
					t.Fatalf("word %d reads 0x%08x, want 0x%08x (a stale reply taken for the current one)", i, v[0], want[i])
				}
			}
		})
	}
}

// A reply lost for good (the transfer timed out and its data went with
// it): the marker's reply is the first to come, and the conversation goes
// on.
func TestLostReplyResynced(t *testing.T) {
	for _, kind := range dapKinds {
		t.Run(kind, func(t *testing.T) {
			fx, err := sim.New(kind+":stm32f411ce", sim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			r, err := OpenSlot(t.Context(), fx, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			ctx := t.Context()
			mem, err := r.Memory(ctx, 4_000_000, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := seedWords(t, mem)
			inj := r.Slot.Probe.Faults()
			var v [1]uint32
			inj.Arm(fault.LinkTimeout, 1)
			if err := mem.ReadMemory32(ctx, sramF411, v[:]); !errors.Is(err, drivers.ErrTimeout) {
				t.Fatalf("read with a lost reply: %v, want a timeout", err)
			}
			for i := range want {
				if err := mem.ReadMemory32(ctx, sramF411+4*uint32(i), v[:]); err != nil {
					t.Fatalf("read word %d after the lost reply: %v", i, err)
				}
				if v[0] != want[i] {
					t.Fatalf("word %d reads 0x%08x, want 0x%08x", i, v[0], want[i])
				}
			}
		})
	}
}

// A probe whose firmware stops answering must fail the command at the
// driver's per-command deadline with drivers.ErrTimeout — a station
// fault, recorded as error — not block until the step's deadline and be
// taken for the board's fail. On real USB a transfer whose context has no
// deadline waits for ever; the simulator's Hang does the same.
func TestHungProbeIsStationFault(t *testing.T) {
	for _, kind := range dapKinds {
		t.Run(kind, func(t *testing.T) {
			fx, err := sim.New(kind+":stm32f411ce", sim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			r := openDAP(t, fx, 200*time.Millisecond)
			attempt := t.Context()
			mem, err := r.Memory(attempt, 4_000_000, nil)
			if err != nil {
				t.Fatal(err)
			}
			r.Slot.Probe.Faults().Arm(fault.Hang, 1)
			step, cancel := context.WithTimeout(attempt, 20*time.Second)
			defer cancel()
			var v [1]uint32
			start := r.Now()
			err = mem.ReadMemory32(step, sramF411, v[:])
			// The simulator charges a read that times out the wait its
			// deadline allowed: the per-command 200 ms, or the step's 20 s.
			if waited := r.Now() - start; waited > 2*time.Second {
				t.Fatalf("the read waited %v of modeled time (%v): the step's deadline, not a per-command one", waited, err)
			}
			if !errors.Is(err, drivers.ErrTimeout) || !drivers.IsStationFault(err) {
				t.Fatalf("read from a hung probe: %v, want drivers.ErrTimeout", err)
			}
			if got := recipes.Classify(attempt, err); got != jobs.Error {
				t.Errorf("Classify(hung probe) = %v, want %v", got, jobs.Error)
			}
			// The next command cannot resync with a hung probe: it times
			// out too, rather than reading anything.
			if err := mem.ReadMemory32(step, sramF411, v[:]); !errors.Is(err, drivers.ErrTimeout) {
				t.Errorf("second read from a hung probe: %v, want drivers.ErrTimeout", err)
			}
		})
	}
}

// WAIT answers within the probe's retries are invisible; past them the
// driver reports drivers.ErrWait (the same sentinel on every probe kind),
// and the connection still works afterwards.
func TestWaitRetried(t *testing.T) {
	for _, kind := range failKinds {
		t.Run(kind, func(t *testing.T) {
			fx, err := sim.New(kind+":stm32f411ce", sim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			r, err := OpenSlot(t.Context(), fx, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			ctx := t.Context()
			mem, err := r.Memory(ctx, 4_000_000, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := seedWords(t, mem)
			inj := r.Slot.Probe.Faults()
			var v [1]uint32
			inj.Arm(fault.Wait, 5)
			if err := mem.ReadMemory32(ctx, sramF411+4, v[:]); err != nil || v[0] != want[1] {
				t.Fatalf("read through 5 WAITs: 0x%08x, %v", v[0], err)
			}
			if n := inj.Fired(fault.Wait); n != 5 {
				t.Fatalf("%d WAITs answered, want 5", n)
			}
			// Past the firmware's 100 retries of one packet: an ST-Link
			// host sends the command again (OpenOCD stlink_usb.c retries
			// SWD_AP_WAIT with back-off), CMSIS-DAP reports WAIT and
			// leaves the retry to the caller (targets/access).
			inj.Arm(fault.Wait, 120)
			err = mem.ReadMemory32(ctx, sramF411+4, v[:])
			if strings.HasPrefix(kind, "stlink") {
				if err != nil || v[0] != want[1] {
					t.Fatalf("read through 120 WAITs: 0x%08x, %v; want the host to retry", v[0], err)
				}
			} else if !errors.Is(err, drivers.ErrWait) {
				t.Fatalf("read through 120 WAITs: %v, want drivers.ErrWait", err)
			}
			inj.Arm(fault.Wait, 0)
			// Far more than any probe retries (the firmware 100 per
			// packet; ST-Link hosts 8 more commands).
			inj.Arm(fault.Wait, 100_000)
			err = mem.ReadMemory32(ctx, sramF411+8, v[:])
			if !errors.Is(err, drivers.ErrWait) {
				t.Fatalf("read through endless WAIT: %v, want drivers.ErrWait", err)
			}
			if drivers.IsStationFault(err) {
				t.Errorf("WAIT is the target's answer, not a station fault: %v", err)
			}
			inj.Arm(fault.Wait, 0)
			if err := mem.ReadMemory32(ctx, sramF411+8, v[:]); err != nil || v[0] != want[2] {
				t.Fatalf("read after the WAIT storm: 0x%08x, %v", v[0], err)
			}
		})
	}
}
