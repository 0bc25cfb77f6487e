package nrf52

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/flashstation/flashstation/targets"
)

// unlockPaths are the two kinds of silicon and the path Unlock must log
// for each after ERASEALL.
var unlockPaths = []struct{ opts, path string }{
	{"", "pulsing CTRL-AP RESET"},        // AAD0: APPROTECT latched at reset
	{"+rev3", "no reset (on revision 3"}, // AAF0: open until the next reset
}

func TestLockedUnlockThenProgram(t *testing.T) {
	for _, kind := range []string{"cmsis-dap-v1", "cmsis-dap-v2"} {
		for _, u := range unlockPaths {
			t.Run(kind+u.opts, func(t *testing.T) { lockedUnlockThenProgram(t, kind+":nrf52840+approtect"+u.opts, u.path) })
		}
	}
}

func lockedUnlockThenProgram(t *testing.T, spec, path string) {
	r := newRig(t, spec)
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
	lines = nil
	if err := r.s.Unlock(lctx, nil); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, path) }) {
		t.Errorf("unlock log %q does not say %q", lines, path)
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
	for _, u := range unlockPaths {
		t.Run("nrf52840"+u.opts, func(t *testing.T) { lockIsProven(t, "cmsis-dap-v2:nrf52840"+u.opts) })
	}
}

func lockIsProven(t *testing.T, spec string) {
	r := newRig(t, spec)
	ctx := context.Background()
	if strings.Contains(spec, "+rev3") {
		// Revision 3 leaves the factory protected: open it first.
		if err := r.s.Unlock(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
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
