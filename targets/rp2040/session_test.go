package rp2040

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/targets"
	"github.com/flashstation/flashstation/targets/facts"
)

func TestIdentify(t *testing.T) {
	for _, kind := range []string{"cmsis-dap-v1", "cmsis-dap-v2"} {
		t.Run(kind, func(t *testing.T) {
			r := newRig(t, kind+":rp2040")
			id, err := r.s.Identify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if id.Part != "RP2040" || id.DeviceID != 2 || id.FlashKiB != 2048 || len(id.UID) != 8 || id.Revision == "" {
				t.Errorf("identity %+v", id)
			}
			t.Logf("%+v UID %s", id, id.UIDHex())
		})
	}
}

// Every ST-Link kind is refused with a reason, at connect (TARGETSEL) or
// at Open.
func TestSTLinkRefused(t *testing.T) {
	for _, kind := range []string{"stlink-v2", "stlink-v2-old", "stlink-v21", "stlink-v3"} {
		t.Run(kind, func(t *testing.T) {
			_, tg, err := connect(t, kind+":rp2040")
			if err == nil {
				v, _ := facts.Lookup("rp2040")
				_, err = Open(context.Background(), tg, v)
			}
			if err == nil || !strings.Contains(err.Error(), "multidrop") {
				t.Errorf("through %s: %v", kind, err)
			}
		})
	}
}

func TestProgramVerify(t *testing.T) {
	for _, kind := range []string{"cmsis-dap-v1", "cmsis-dap-v2"} {
		t.Run(kind, func(t *testing.T) {
			r := newRig(t, kind+":rp2040")
			ctx := context.Background()
			// Two blocks, unaligned ends, a second segment in the same block.
			a, b := image(1, 70*1024+3), image(2, 100)
			img := []targets.Segment{{Addr: 0x10000010, Data: a}, {Addr: 0x10011900, Data: b}}
			var last targets.Progress
			if err := r.s.Program(ctx, img, targets.ProgramOptions{}, func(p targets.Progress) { last = p }); err != nil {
				t.Fatal(err)
			}
			if last.Done != last.Total {
				t.Errorf("progress %+v", last)
			}
			if err := r.s.Verify(ctx, img, nil); err != nil {
				t.Fatal(err)
			}
			if err := r.s.WriteBytes(ctx, 0x101FF000, []byte("SN-42")); err != nil {
				t.Fatal(err)
			}
			if err := r.s.Verify(ctx, seg(0x101FF000, []byte("SN-42")), nil); err != nil {
				t.Fatal(err)
			}
			if err := r.s.Erase(ctx, 0x10010000, 0x2000, nil); err != nil {
				t.Fatal(err)
			}
			var ve *targets.VerifyError
			if err := r.s.Verify(ctx, img, nil); !errors.As(err, &ve) || ve.Addr != 0x10010000 {
				t.Errorf("after erasing 0x10010000: %v", err)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	r := newRig(t, "cmsis-dap-v2:rp2040")
	ctx := context.Background()
	if err := r.s.Program(ctx, seg(0x101FFFF0, make([]byte, 32)), targets.ProgramOptions{}, nil); err == nil ||
		!strings.Contains(err.Error(), "outside RP2040 flash") {
		t.Errorf("image past flash: %v", err)
	}
	if err := r.s.Erase(ctx, 0x10000100, 0x1000, nil); err == nil || !strings.Contains(err.Error(), "not aligned") {
		t.Errorf("unaligned erase: %v", err)
	}
	if _, err := r.s.Lock(ctx); !errors.Is(err, ErrNoProtection) || !strings.Contains(err.Error(), "RP2040") {
		t.Errorf("lock: %v", err)
	}
}

func TestMassEraseAndUnlock(t *testing.T) {
	r := newRig(t, "cmsis-dap-v2:rp2040")
	ctx := context.Background()
	data := image(3, 8192)
	if err := r.s.Program(ctx, seg(0x10100000, data), targets.ProgramOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.s.Unlock(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.s.Verify(ctx, seg(0x10100000, data), nil); err == nil {
		t.Error("data survived unlock (chip erase)")
	}
}
