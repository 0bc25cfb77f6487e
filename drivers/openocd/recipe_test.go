package openocd

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flashstation/flashstation/drivers/sim/bitbang"
	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/recipes"
	"github.com/flashstation/flashstation/targets"
)

// TestRecipesThroughOpenOCD runs our own recipes, through this driver and
// OpenOCD, against the simulated chips: identify, unlock a locked chip,
// program and verify a small image, reset.
func TestRecipesThroughOpenOCD(t *testing.T) {
	bin := requireOpenOCD(t)
	for _, tc := range []struct {
		variant, family string
		locked          bool
		wantDev         string
	}{
		{"stm32f103c8", "stm32f1", true, "0x410"},
		{"stm32f411ce", "stm32f4", false, "0x431"},
	} {
		t.Run(tc.variant, func(t *testing.T) {
			chip, _, port := simServer(t, bitbang.ChipConfig{Variant: tc.variant, Locked: tc.locked, Seed: 5})
			img := testImage(11, 3072)
			rec := parseRecipe(t, tc.family, tc.variant, img)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			s, err := Start(ctx, Config{Binary: bin, AdapterArgs: RemoteBitbangAdapter(port),
				PostTarget: RemoteBitbangPostTarget(), Variant: rec.Target.Facts})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var progress []string
			run := &recipes.Run{Recipe: rec, Session: s, Events: func(e recipes.Event) {
				if e.Kind == recipes.StepProgress {
					progress = append(progress, string(e.Phase))
				}
			}}
			start := time.Now()
			a, err := run.Execute(ctx)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("recipe took %.2fs", time.Since(start).Seconds())
			for _, st := range a.Steps {
				t.Logf("step %-9s %-5s %6.2fs %s", st.Name, st.Result, st.Duration.Seconds(), st.Error)
			}
			if a.Result != jobs.Pass {
				for _, st := range a.Steps {
					for _, l := range st.Log {
						t.Logf("  %s: %s", st.Name, l.Msg)
					}
				}
				t.Fatalf("attempt %s at %s: %s", a.Result, a.FailedStep, a.Error)
			}
			uid := chip.Model().(interface{ UID() [12]byte }).UID()
			wantUID := make([]byte, 12)
			for i := range uid {
				wantUID[i] = uid[11-i]
			}
			if a.DeviceID != tc.wantDev || a.UnitUID != strings.ToUpper(hex.EncodeToString(wantUID)) {
				t.Errorf("identity: device %s uid %s, want %s %X", a.DeviceID, a.UnitUID, tc.wantDev, wantUID)
			}
			if !bytes.Equal(chip.Flash()[:len(img)], img) {
				t.Error("simulated flash does not hold the image")
			}
			if chip.Locked() {
				t.Error("chip still locked")
			}
			if !strings.Contains(strings.Join(progress, " "), "program") {
				t.Errorf("no program progress: %v", progress)
			}
			// OpenOCD's own lines reached the step records.
			if !hasLog(a, "program", "openocd: ") {
				t.Error("the program step recorded no OpenOCD log lines")
			}
		})
	}
}

// TestVerifyReportsDifference programs one image and verifies another: the
// error must be a *targets.VerifyError at the first differing byte.
func TestVerifyReportsDifference(t *testing.T) {
	bin := requireOpenOCD(t)
	_, _, port := simServer(t, bitbang.ChipConfig{Variant: "stm32f103c8", Seed: 2})
	rec := parseRecipe(t, "stm32f1", "stm32f103c8", testImage(1, 64))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, Config{Binary: bin, AdapterArgs: RemoteBitbangAdapter(port), Variant: rec.Target.Facts})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	img := testImage(1, 64)
	if err := s.Program(ctx, []targets.Segment{{Addr: 0x08000000, Data: img}}, targets.ProgramOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	other := bytes.Clone(img)
	other[10] ^= 0xFF
	other[11] ^= 0x01
	err = s.Verify(ctx, []targets.Segment{{Addr: 0x08000000, Data: other}}, nil)
	var ve *targets.VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("verify: %v, want a VerifyError", err)
	}
	if ve.Addr != 0x0800000A || ve.Mismatch != 2 || len(ve.Got) != 2 || ve.Got[0] != img[10] || ve.Want[0] != other[10] {
		t.Errorf("VerifyError %+v", ve)
	}
}

// TestCancelKillsOpenOCD cancels an operation in flight: the process must
// be gone and the session must refuse further work.
func TestCancelKillsOpenOCD(t *testing.T) {
	bin := requireOpenOCD(t)
	_, _, port := simServer(t, bitbang.ChipConfig{Variant: "stm32f411ce", Seed: 4})
	rec := parseRecipe(t, "stm32f4", "stm32f411ce", testImage(1, 64))
	s, err := Start(context.Background(), Config{Binary: bin, AdapterArgs: RemoteBitbangAdapter(port),
		PostTarget: RemoteBitbangPostTarget(), Variant: rec.Target.Facts})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// An F411 mass erase takes 4 s of modeled time, polled in real time.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err = s.MassErase(ctx, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("mass erase under a 300 ms deadline: %v", err)
	}
	if !s.proc.exited() {
		t.Fatal("OpenOCD still runs after the cancel")
	}
	if err := s.Reset(context.Background(), false); err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("after cancel: %v", err)
	}
}

func hasLog(a *jobs.Attempt, step, substr string) bool {
	for _, st := range a.Steps {
		if st.Name != step {
			continue
		}
		for _, l := range st.Log {
			if strings.Contains(l.Msg, substr) {
				return true
			}
		}
	}
	return false
}

// parseRecipe writes img and a recipe for it and parses the recipe.
func parseRecipe(t *testing.T, family, variant string, img []byte) *recipes.Recipe {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "fw.bin"), img, 0o600); err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[:4], 0x08000000)
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(img)))
	h.Write(hdr[:])
	h.Write(img)
	text := `name = "openocd-check"
[target]
family = "` + family + `"
variant = "` + variant + `"
[firmware]
path = "fw.bin"
base = 0x08000000
sha256 = "` + hex.EncodeToString(h.Sum(nil)) + `"
[[step]]
action = "read-id"
[[step]]
action = "unlock"
allow_erase = true
[[step]]
action = "program"
[[step]]
action = "verify"
[[step]]
action = "reset"
`
	rec, err := recipes.Parse(filepath.Join(dir, "r.toml"), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}
