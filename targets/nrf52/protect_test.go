package nrf52

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/targets"
)

func TestLockedUnlockThenProgram(t *testing.T) {
	for _, kind := range []string{"cmsis-dap-v1", "cmsis-dap-v2"} {
		t.Run(kind, func(t *testing.T) {
			r := newRig(t, kind+":nrf52840+approtect")
			ctx := context.Background()
			var lines []string
			lctx := targets.WithLog(ctx, func(_ slog.Level, msg string) { lines = append(lines, msg) })
			id, err := r.s.Identify(lctx)
			if err != nil {
				t.Fatal(err)
			}
			if !id.Protected || id.DPIDR == 0 {
				t.Fatalf("locked identity %+v", id)
			}
			if len(lines) == 0 || !strings.Contains(lines[0], "recovery needs unlock") {
				t.Errorf("operator message %q", lines)
			}
			data := image(3, 4096)
			if err := r.s.Program(ctx, seg(0x1000, data), targets.ProgramOptions{}, nil); !errors.Is(err, ErrProtected) {
				t.Fatalf("program on a locked chip: %v", err)
			}
			if err := r.s.Unlock(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if id, err = r.s.Identify(ctx); err != nil || id.Protected || id.DeviceID != 0x52840 {
				t.Fatalf("after unlock %+v %v", id, err)
			}
			if err := r.s.Program(ctx, seg(0x1000, data), targets.ProgramOptions{SkipErase: true}, nil); err != nil {
				t.Fatal(err)
			}
			if err := r.s.Verify(ctx, seg(0x1000, data), nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSTLinkCannotRecover(t *testing.T) {
	for _, kind := range []string{"stlink-v2", "stlink-v3"} {
		t.Run(kind, func(t *testing.T) {
			r := newRig(t, kind+":nrf52840+approtect")
			ctx := context.Background()
			err := r.s.Unlock(ctx, nil)
			if !errors.Is(err, ErrNoCtrlAP) || !strings.Contains(err.Error(), "CMSIS-DAP") {
				t.Errorf("unlock through %s: %v", kind, err)
			}
			if _, err := r.s.Lock(ctx); !errors.Is(err, ErrNoCtrlAP) {
				t.Errorf("lock through %s: %v", kind, err)
			}
		})
	}
}

func TestLockIsProven(t *testing.T) {
	r := newRig(t, "cmsis-dap-v2:nrf52840")
	ctx := context.Background()
	st, err := r.s.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Protected || st.Level != "APPROTECT" || !strings.Contains(st.Detail, "APPROTECTSTATUS=0") {
		t.Errorf("state %+v", st)
	}
	id, err := r.s.Identify(ctx)
	if err != nil || !id.Protected {
		t.Errorf("identify after lock: %+v %v", id, err)
	}
	// And back: unlock opens it again.
	if err := r.s.Unlock(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if id, err = r.s.Identify(ctx); err != nil || id.Protected {
		t.Errorf("after unlock: %+v %v", id, err)
	}
}
