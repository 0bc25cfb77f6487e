package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// unitDirectives reads a systemd unit into directive -> values, in order.
func unitDirectives(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: %q is not KEY=VALUE", path, line)
		}
		out[k] = append(out[k], v)
	}
	return out
}

// TestUnitIsolation pins the properties the station relies on: its own
// user, device access only through the udev groups, and a read-only system
// except the database folder. Each is something a well-meant edit could
// quietly undo (the probes would then fail, or the service could write
// anywhere).
func TestUnitIsolation(t *testing.T) {
	d := unitDirectives(t, "systemd/flashstation.service")
	want := map[string]string{
		"User":                    "flashstation",
		"SupplementaryGroups":     "plugdev input",
		"ProtectSystem":           "strict",
		"ReadWritePaths":          "/var/lib/flashstation",
		"NoNewPrivileges":         "yes",
		"PrivateTmp":              "yes",
		"DevicePolicy":            "closed",
		"CapabilityBoundingSet":   "",
		"RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6 AF_NETLINK",
	}
	for k, v := range want {
		if got := d[k]; len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if d["DynamicUser"] != nil && d["DynamicUser"][0] != "no" {
		t.Errorf("DynamicUser = %q: the database needs a fixed owner", d["DynamicUser"])
	}
	devices := strings.Join(d["DeviceAllow"], ",")
	for _, dev := range []string{"char-usb_device rw", "char-input r"} {
		if !strings.Contains(devices, dev) {
			t.Errorf("DeviceAllow lacks %q (has %q)", dev, devices)
		}
	}
	sys, err := os.ReadFile("systemd/flashstation.sysusers")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range strings.Fields(d["SupplementaryGroups"][0]) {
		if !regexp.MustCompile(`(?m)^m flashstation ` + g + `$`).Match(sys) {
			t.Errorf("flashstation.sysusers does not put flashstation in group %s", g)
		}
	}
}

// TestUnitVerifies asks systemd itself: the unit must load without
// warnings and its security exposure must stay low. systemd-analyze wants
// ExecStart to exist, so a stand-in binary takes the real one's place.
func TestUnitVerifies(t *testing.T) {
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("SKIPPED: systemd-analyze not found: the unit file is not verified by systemd")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "flashstation")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	unit, err := os.ReadFile("systemd/flashstation.service")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "flashstation.service")
	text := strings.ReplaceAll(string(unit), "/usr/local/bin/flashstation", bin)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sa, "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err = exec.Command(sa, "security", "--offline=yes", "--no-pager", path).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no exposure level in:\n%s", out)
	}
	// 0 is a sealed box, 10 is unprotected; a service that must reach USB
	// devices, the network and its database sits near 2. Above 3 someone
	// removed a protection.
	if level, _ := strconv.ParseFloat(string(m[1]), 64); level > 3 {
		t.Errorf("security exposure %.1f, want at most 3:\n%s", level, out)
	}
}
