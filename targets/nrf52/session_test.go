package nrf52

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/targets"
)

var probeKinds = []string{"cmsis-dap-v1", "cmsis-dap-v2", "stlink-v2", "stlink-v3"}

func TestIdentify(t *testing.T) {
	for _, kind := range probeKinds {
		t.Run(kind, func(t *testing.T) {
			r := newRig(t, kind+":nrf52840")
			id, err := r.s.Identify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if id.Part != "nRF52840" || id.DeviceID != 0x52840 || id.FlashKiB != 1024 || len(id.UID) != 8 || id.Protected {
				t.Errorf("identity %+v", id)
			}
			if id.Revision == "" || strings.HasPrefix(id.Revision, "0x") {
				t.Errorf("revision %q is not a build code", id.Revision)
			}
		})
	}
}

func TestProgramVerifyEveryProbe(t *testing.T) {
	data := image(1, 10*1024+6) // ends mid-word
	for _, kind := range probeKinds {
		t.Run(kind, func(t *testing.T) {
			r := newRig(t, kind+":nrf52840")
			ctx := context.Background()
			var last targets.Progress
			err := r.s.Program(ctx, seg(0x27002, data), targets.ProgramOptions{}, func(p targets.Progress) { last = p })
			if err != nil {
				t.Fatal(err)
			}
			if last.Phase != targets.PhaseProgram || last.Done != last.Total || last.Total == 0 {
				t.Errorf("last progress %+v", last)
			}
			if err := r.s.Verify(ctx, seg(0x27002, data), nil); err != nil {
				t.Fatal(err)
			}
			// The page before the image's first byte was erased too.
			got, err := r.s.readBytes(ctx, 0x27000, 2)
			if err != nil || got[0] != 0xFF || got[1] != 0xFF {
				t.Errorf("bytes before the image: % X %v", got, err)
			}
		})
	}
}

func TestMassEraseAndWriteBytes(t *testing.T) {
	r := newRig(t, "cmsis-dap-v2:nrf52840")
	ctx := context.Background()
	if err := r.s.WriteBytes(ctx, 0x10001080, []byte("SN-000123")); err != nil {
		t.Fatal(err)
	}
	if err := r.s.Verify(ctx, seg(0x10001080, []byte("SN-000123")), nil); err != nil {
		t.Fatal(err)
	}
	// Writing other data over programmed UICR bits needs an erase.
	err := r.s.WriteBytes(ctx, 0x10001080, []byte("ZZ"))
	if err == nil || !strings.Contains(err.Error(), "only an erase") {
		t.Errorf("overwrite: %v", err)
	}
	if err := r.s.MassErase(ctx, nil); err != nil {
		t.Fatal(err)
	}
	got, _ := r.s.readBytes(ctx, 0x10001080, 4)
	if string(got) != "\xff\xff\xff\xff" {
		t.Errorf("UICR after ERASEALL: % X", got)
	}
	if err := r.s.WriteBytes(ctx, 0x000FF001, []byte{0x12, 0x34}); err != nil {
		t.Fatal(err)
	}
	got, _ = r.s.readBytes(ctx, 0x000FF000, 4)
	if got[0] != 0xFF || got[1] != 0x12 || got[2] != 0x34 || got[3] != 0xFF {
		t.Errorf("flash serial: % X", got)
	}
}

func TestRefusals(t *testing.T) {
	r := newRig(t, "cmsis-dap-v2:nrf52840")
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		run  func() error
		want string
	}{
		{"image past flash", func() error {
			return r.s.Program(ctx, seg(0x000FFFF0, make([]byte, 32)), targets.ProgramOptions{}, nil)
		}, "outside nRF52840 flash"},
		{"image in FICR", func() error {
			return r.s.Program(ctx, seg(0x10000000, make([]byte, 4)), targets.ProgramOptions{}, nil)
		}, "outside"},
		{"unaligned erase", func() error { return r.s.Erase(ctx, 0x1000, 0x800, nil) }, "not aligned"},
		{"erase past flash", func() error { return r.s.Erase(ctx, 0xFF000, 0x2000, nil) }, "outside"},
		{"part of UICR", func() error { return r.s.Erase(ctx, 0x10001080, 4, nil) }, "erased whole"},
	} {
		if err := tc.run(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	// A chip that is not the recipe's target is refused before flash work.
	other := *r.s.v
	other.DevID = 0x52833
	other.Part = "nRF52833"
	r.s.v, r.s.checked = &other, false
	err := r.s.Erase(ctx, 0x1000, 0x1000, nil)
	if !errors.Is(err, ErrWrongChip) {
		t.Errorf("wrong chip: %v", err)
	}
}

func TestEraseRanges(t *testing.T) {
	r := newRig(t, "cmsis-dap-v2:nrf52840")
	ctx := context.Background()
	data := image(2, 3*4096)
	if err := r.s.Program(ctx, seg(0x3000, data), targets.ProgramOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.s.Erase(ctx, 0x4000, 0x1000, nil); err != nil {
		t.Fatal(err)
	}
	err := r.s.Verify(ctx, seg(0x3000, data), nil)
	var ve *targets.VerifyError
	if !errors.As(err, &ve) || ve.Addr < 0x4000 || ve.Addr >= 0x5000 {
		t.Fatalf("after erasing the middle page: %v", err)
	}
	if err := r.s.Verify(ctx, seg(0x5000, data[0x2000:]), nil); err != nil {
		t.Errorf("page after the erased one: %v", err)
	}
	if err := r.s.Erase(ctx, 0x10001000, 0x1000, nil); err != nil {
		t.Errorf("UICR erase: %v", err)
	}
}
