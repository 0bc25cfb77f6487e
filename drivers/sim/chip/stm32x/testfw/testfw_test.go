package testfw_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCommittedBytes rebuilds the firmwares from their sources with
// build.sh (what `make target-code` runs) and fails when the committed
// .bin files differ: the bytes the tests load are the sources' bytes.
func TestCommittedBytes(t *testing.T) {
	if _, err := exec.LookPath("arm-none-eabi-gcc"); err != nil {
		msg := "arm-none-eabi-gcc not found (Debian gcc-arm-none-eabi, scripts/deps.sh)"
		if os.Getenv("FLASHSTATION_REQUIRE_ARMGCC") == "1" {
			t.Fatal(msg + "; FLASHSTATION_REQUIRE_ARMGCC=1 makes this a failure")
		}
		t.Skip(msg)
	}
	out := t.TempDir()
	cmd := exec.Command("bash", "build.sh", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build.sh: %v\n%s", err, b)
	}
	for _, name := range []string{"boot-f1.bin", "boot-f4.bin", "fault.bin"} {
		want, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: committed bytes differ from its source's build: run `make target-code` and commit", name)
		}
	}
}
