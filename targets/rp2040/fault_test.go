package rp2040

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/drivers/sim/fault"
	"github.com/flashstation/flashstation/targets"
)

func TestBadCellFailsVerify(t *testing.T) {
	for _, kind := range []string{"cmsis-dap-v1", "cmsis-dap-v2"} {
		t.Run(kind, func(t *testing.T) {
			r := newRig(t, kind+":rp2040")
			const bad = 0x10012344 // XIP address of flash offset 0x12344
			r.fx.Slots[0].Probe.Faults().AddBadCell(bad)
			ctx := context.Background()
			data := image(4, 80*1024)
			if err := r.s.Program(ctx, seg(0x10010000, data), targets.ProgramOptions{}, nil); err != nil {
				t.Fatal(err)
			}
			err := r.s.Verify(ctx, seg(0x10010000, data), nil)
			var ve *targets.VerifyError
			if !errors.As(err, &ve) || ve.Addr < bad || ve.Addr > bad+3 || ve.Mismatch == 0 || ve.Mismatch > 4 {
				t.Fatalf("verify with a bad cell at 0x%08X: %v", bad, err)
			}
		})
	}
}

// A WAIT storm may make an operation fail, but one that reports success
// must have left the right bytes, a failure must say what failed, and the
// chip must stay usable: the retry with the storm over must succeed.
func TestWaitStormKeepsData(t *testing.T) {
	for _, kind := range []string{"cmsis-dap-v1", "cmsis-dap-v2"} {
		t.Run(kind, func(t *testing.T) {
			r := newRig(t, kind+":rp2040")
			f := r.fx.Slots[0].Probe.Faults()
			f.SetRate(fault.WaitStorm, 0.05)
			ctx := context.Background()
			data := image(5, 70*1024+100)
			img := seg(0x10020000, data)
			perr := r.s.Program(ctx, img, targets.ProgramOptions{}, nil)
			var verr error
			if perr == nil {
				verr = r.s.Verify(ctx, img, nil)
			}
			fired := f.Fired(fault.WaitStorm)
			f.SetRate(fault.WaitStorm, 0)
			if fired == 0 {
				t.Fatal("no WAIT storm fired: the test tested nothing")
			}
			if err := errors.Join(perr, verr); err != nil {
				t.Logf("failed under %d WAIT storms (allowed): %v", fired, err)
				var ve *targets.VerifyError
				if errors.As(err, &ve) {
					t.Fatalf("the storm got through to the data: %v", err)
				}
				if !strings.HasPrefix(err.Error(), "rp2040: ") || !strings.Contains(strings.ToLower(err.Error()), "wait") {
					t.Errorf("error does not say what happened: %v", err)
				}
				if err := r.s.Program(ctx, img, targets.ProgramOptions{}, nil); err != nil {
					t.Fatalf("retry after the storm: %v", err)
				}
			}
			if err := r.s.Verify(ctx, img, nil); err != nil {
				t.Fatalf("after the storm: %v", err)
			}
		})
	}
}

// Cancelling mid-program stops between blocks with the core halted at
// the return BKPT and XIP on again; the blocks done are right, and a
// retry programs the whole image.
func TestCancelThenRetry(t *testing.T) {
	r := newRig(t, "cmsis-dap-v2:rp2040")
	data := image(6, 3*64*1024)
	img := seg(0x10000000, data)
	cctx, cancel := context.WithCancel(context.Background())
	var stoppedAt int64
	err := r.s.Program(cctx, img, targets.ProgramOptions{}, func(p targets.Progress) {
		if p.Phase == targets.PhaseProgram && p.Done > 0 && stoppedAt == 0 {
			stoppedAt = p.Done
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "0x010000") {
		t.Fatalf("cancelled program: %v", err)
	}
	ctx := context.Background()
	halted, herr := r.s.t.Core.IsHalted(ctx)
	if herr != nil || !halted {
		t.Fatalf("core after cancel: halted %v, %v", halted, herr)
	}
	if r.s.raw {
		t.Fatal("XIP left off after cancel")
	}
	// XIP is back: the block programmed before the cancel reads right,
	// the next one was never erased and programmed.
	if err := r.s.Verify(ctx, seg(0x10000000, data[:stoppedAt]), nil); err != nil {
		t.Fatalf("the block done before the cancel: %v", err)
	}
	if err := r.s.Verify(ctx, img, nil); err == nil {
		t.Fatal("the whole image verified after a cancel in its first block")
	}
	if err := r.s.Program(ctx, img, targets.ProgramOptions{}, nil); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if err := r.s.Verify(ctx, img, nil); err != nil {
		t.Fatalf("after retry: %v", err)
	}
}
