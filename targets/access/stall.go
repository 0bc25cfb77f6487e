package access

import (
	"context"
	"fmt"

	"github.com/flashstation/flashstation/drivers"
	"github.com/flashstation/flashstation/drivers/arm"
)

// stallUnits writes Data[off:off+n] with no status poll between units,
// leaving out erased units when s.SkipErased, then waits once for the
// controller and checks its error flags.
//
// This relies on the controller stalling the AHB while it is busy (RM0008
// §3.3.3, RM0383 §3.5 for genuine STM32F1/F4): the MEM-AP answers WAIT
// to the next access until the last unit is programmed, and the probe's
// own WAIT retries (CMSIS-DAP WaitRetry, the ST-Link firmware's) pace the
// stream at the flash's speed with no host round trip per unit. A unit
// that fails (WAIT past those retries, link trouble) is never sent again
// blindly: streamChunk waits for the controller and reads the flash back
// to find the first unit still to write.
//
// On raw DAP access (CMSIS-DAP) a run goes out as DAP_Transfer batches
// of one packet each (CSW, TAR, then DRW writes riding auto-increment),
// one batch at a time. The driver would otherwise keep several packets in
// flight, and a packet sent after one that failed part-way still runs on
// the probe: its DRW writes then land at the TAR where the failed one
// stopped, shifted onto the following addresses, and a halfword on the
// wrong byte lanes writes 0x0000, which the STM32F1 FPEC programs even
// over data (RM0008 §3.3.3). Memory commands (ST-Link) set TAR per
// command and run one command at a time.
func (t *Target) stallUnits(ctx context.Context, s Stream, off, n int) error {
	write := t.memRun
	if t.memAP != nil && t.DAP != nil {
		// A word read through arm.MemAP pins its CSW cache to cswRestore,
		// which the last batch writes back.
		if _, err := t.Read32(ctx, s.Wait.Addr&^3); err != nil {
			return err
		}
		write = t.dapRun
	}
	if err := runs(s, off, n, func(a uint32, run []byte) error { return write(ctx, s.Width, a, run) }); err != nil {
		return err
	}
	if t.memAP != nil && t.DAP != nil {
		if err := t.DAP.Batch(ctx, []drivers.DAPOp{{AP: true, APSel: t.apsel, Addr: arm.CSW, Write: true, Value: cswRestore}}); err != nil {
			if rerr := t.restoreCSW(ctx); rerr != nil {
				return rerr
			}
			return fmt.Errorf("access: restore CSW: %w", err)
		}
	}
	v, err := t.WaitFor(ctx, s.Wait.Addr&^3, s.Wait.Mask<<(8*(s.Wait.Addr&3)), s.Wait.Want<<(8*(s.Wait.Addr&3)), s.Wait.UnitTimeout)
	if err != nil {
		return err
	}
	if v >>= 8 * (s.Wait.Addr & 3); v&s.Wait.Errors != 0 {
		return &StatusError{Addr: s.Addr + uint32(off), Status: v}
	}
	return nil
}

// runs calls write for each run of units between erased ones (all of
// Data[off:off+n] when !s.SkipErased).
func runs(s Stream, off, n int, write func(a uint32, run []byte) error) error {
	skip := func(i int) bool {
		return s.SkipErased && erased(s.Data[off+i:off+i+s.Width], s.Wait.ErasedFiller)
	}
	for i := 0; i < n; {
		if skip(i) {
			i += s.Width
			continue
		}
		j := i + s.Width
		for j < n && !skip(j) {
			j += s.Width
		}
		if err := write(s.Addr+uint32(off+i), s.Data[off+i:off+j]); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// memRun writes one run with one memory write (the probe splits it at its
// command and TAR window limits).
func (t *Target) memRun(ctx context.Context, width int, a uint32, run []byte) error {
	var err error
	if width == 2 {
		err = t.Mem.WriteMemory16(ctx, a, Halfwords(run))
	} else {
		err = t.Mem.WriteMemory32(ctx, a, Words(run))
	}
	if err != nil {
		return fmt.Errorf("access: stream of %d bytes at 0x%08X: %w", len(run), a, err)
	}
	return nil
}

// packetUnits is how many unit writes one DAP_Transfer packet carries: a
// write costs 5 bytes (request byte and data) after the 3-byte header,
// with room kept for SELECT, CSW and TAR writes.
func (t *Target) packetUnits() int {
	size := 64 // the smallest CMSIS-DAP packet (full-speed HID)
	if p, ok := t.Probe.(interface{ PacketSize() int }); ok && p.PacketSize() > 0 {
		size = p.PacketSize()
	}
	return max(1, (size-3)/5-4)
}

// dapRun writes one run through DRW with auto-increment, one packet per
// batch and every batch setting CSW and TAR itself, staying inside the
// AP's TAR window.
func (t *Target) dapRun(ctx context.Context, width int, a uint32, run []byte) error {
	size := cswSize32
	if width == 2 {
		size = cswSize16
	}
	window := uint32(arm.DefaultTARWindow)
	if ap, err := t.memAPAt(t.apsel); err == nil {
		window = ap.TARWindow()
	}
	w := func(reg uint8, v uint32) drivers.DAPOp {
		return drivers.DAPOp{AP: true, APSel: t.apsel, Addr: reg, Write: true, Value: v}
	}
	per := t.packetUnits()
	for i := 0; i < len(run); {
		at := a + uint32(i)
		k := min(per, (len(run)-i)/width, int(window-at%window)/width)
		ops := make([]drivers.DAPOp, 0, 2+k)
		ops = append(ops, w(arm.CSW, arm.DefaultCSW|size|cswInc), w(arm.TAR, at))
		for j := range k {
			u := run[i+j*width : i+(j+1)*width]
			ops = append(ops, w(arm.DRW, unitValue(u)<<(8*((at+uint32(j*width))&3))))
		}
		if err := t.DAP.Batch(ctx, ops); err != nil {
			if rerr := t.restoreCSW(ctx); rerr != nil {
				return rerr
			}
			return fmt.Errorf("access: stream at 0x%08X: %w", at, err)
		}
		i += k * width
	}
	return nil
}
