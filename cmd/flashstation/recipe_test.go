package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// canonicalSHA is the image sha256 of one raw segment (recipes/firmware's
// canonical encoding: u32 BE address, u32 BE length, bytes).
func canonicalSHA(addr uint32, data []byte) string {
	h := sha256.New()
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[:4], addr)
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(data)))
	h.Write(hdr[:])
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

func TestRecipeCheck(t *testing.T) {
	dir := t.TempDir()
	fw := bytes.Repeat([]byte{0x5A, 0xA5}, 512)
	if err := os.WriteFile(filepath.Join(dir, "fw.bin"), fw, 0o644); err != nil {
		t.Fatal(err)
	}
	good := `[target]
family = "stm32f4"
variant = "stm32f411ce"
[firmware]
path = "fw.bin"
base = 0x08000000
sha256 = "` + canonicalSHA(0x08000000, fw) + `"
[[step]]
action = "program"
[[step]]
action = "verify"
`
	goodFile := filepath.Join(dir, "good.toml")
	badFile := filepath.Join(dir, "bad.toml")
	os.WriteFile(goodFile, []byte(good), 0o644)
	os.WriteFile(badFile, []byte(strings.Replace(good, `action = "program"`, `action = "unlock"`, 1)), 0o644)

	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"recipe", "check", goodFile}, &out, &errb); code != 0 {
		t.Fatalf("good recipe: exit %d, stderr %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "ok   "+goodFile+": good for STM32F411CE, 2 steps") {
		t.Errorf("stdout = %q", out.String())
	}

	out.Reset()
	errb.Reset()
	code := run(context.Background(), []string{"recipe", "check", goodFile, badFile}, &out, &errb)
	if code != 2 {
		t.Fatalf("bad recipe: exit %d", code)
	}
	for _, want := range []string{badFile + ":9:1: step[0].action: step 1 (unlock) removes readout protection",
		badFile + ":11:1: step[1].action: step 2 (verify) comes before any program step",
		"flashstation: 1 of 2 recipes have problems"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr %q\nlacks %q", errb.String(), want)
		}
	}

	out.Reset()
	errb.Reset()
	code = run(context.Background(), []string{"recipe", "check", "--json", badFile, filepath.Join(dir, "missing.toml")}, &out, &errb)
	var reps []recipeReport
	if err := json.Unmarshal(out.Bytes(), &reps); err != nil || code != 2 {
		t.Fatalf("json: %v, exit %d: %s", err, code, out.String())
	}
	if len(reps) != 2 || reps[0].OK || len(reps[0].Problems) != 2 || reps[0].Problems[0].Line != 9 || reps[1].OK {
		t.Errorf("reports = %+v", reps)
	}
	if code := run(context.Background(), []string{"recipe", "check"}, &out, &errb); code != 2 {
		t.Errorf("no files: exit %d", code)
	}
}
